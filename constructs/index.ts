/** Public API of the ecs-task-notifier construct library. */
export { EcsTaskNotifier, DEFAULTS, METRICS_NAMESPACE } from './ecs-task-notifier';
export type {
  ClusterReference,
  DynamoDbStreamSourceOptions,
  EcsTaskNotifierBatchSizes,
  EcsTaskNotifierProps,
  EventBridgeRuleSourceOptions,
  S3SourceOptions,
  StreamTable,
} from './props';
export { DynamoDbStreamPipe, pipeInputTemplate } from './sources/dynamodb-stream';
export type { SourceRoute } from './source-routes';
export { HANDLER_NAMES, type HandlerName, handlerBundleDir } from './handler-code';
