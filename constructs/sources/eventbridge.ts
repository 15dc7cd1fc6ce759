import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** What {@link addEventBridgeRuleSource} needs from the construct. */
export interface EventBridgeRuleSourceContext {
  readonly observerQueue: sqs.IQueue;
  /** Where EventBridge puts an event it could not deliver after its retries. */
  readonly deadLetterQueue: sqs.IQueue;
}

export interface EventBridgeRuleSourceSpec {
  readonly eventPattern: events.EventPattern;
  readonly eventBus?: events.IEventBus;
  /** The `ALLOWED_CLUSTERS` entry to notify; unset: the raw event goes as is. */
  readonly cluster?: string;
  readonly topic?: string;
  readonly description?: string;
}

/** EventBridge retries delivery to the observer queue for up to a day before dead-lettering the event. */
export const EVENTBRIDGE_RETRY = { retryAttempts: 185, maxEventAge: Duration.hours(24) } as const;

/**
 * The target input that wraps the whole event: `{"cluster": ..., "topic": ..., "event": <aws.events.event>}`.
 * `aws.events.event` is EventBridge's predefined input-transformer variable for a copy of the original
 * event (a JSON object, not escaped, so it stands as a JSON value); no input path is needed.
 */
export class WrappedEventInput extends events.RuleTargetInput {
  constructor(
    private readonly cluster: string,
    private readonly topic: string | undefined,
  ) {
    super();
  }

  /** The input template; `cluster` may be a token (an ICluster's ARN), resolved by CloudFormation. */
  get template(): string {
    const topic = this.topic === undefined ? '' : `"topic":${JSON.stringify(this.topic)},`;
    return `{"cluster":${JSON.stringify(this.cluster)},${topic}"event":<aws.events.event>}`;
  }

  override bind(_rule: events.IRule): events.RuleTargetInputProperties {
    return { inputTemplate: this.template };
  }
}

/** The target input: the wrapped event with a cluster, the raw event (undefined) without one. */
export const observerInput = (cluster: string | undefined, topic: string | undefined): events.RuleTargetInput | undefined =>
  cluster === undefined ? undefined : new WrappedEventInput(cluster, topic);

/** A rule whose target is the observer queue, with retries and a dead-letter queue on the target. */
export const addEventBridgeRuleSource = (
  scope: Construct,
  id: string,
  context: EventBridgeRuleSourceContext,
  spec: EventBridgeRuleSourceSpec,
): events.Rule => {
  const rule = new events.Rule(scope, id, {
    eventPattern: spec.eventPattern,
    eventBus: spec.eventBus,
    description: spec.description ?? 'ecs-task-notifier: forwards matching events to the observer queue',
  });
  rule.addTarget(
    new targets.SqsQueue(context.observerQueue, {
      deadLetterQueue: context.deadLetterQueue,
      ...EVENTBRIDGE_RETRY,
      message: observerInput(spec.cluster, spec.topic),
    }),
  );
  return rule;
};
