/** Package root of `ecs-task-notifier`: the construct library. */
export * from './constructs';
