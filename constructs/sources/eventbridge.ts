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
 * The target input: with a cluster, `{"cluster", "topic", "event": <the whole event>}` through an
 * input transformer whose path `$` is the whole event; without one, the raw event.
 */
export const observerInput = (cluster: string | undefined, topic: string | undefined): events.RuleTargetInput | undefined =>
  cluster === undefined
    ? undefined
    : events.RuleTargetInput.fromObject({
        cluster,
        ...(topic === undefined ? {} : { topic }),
        event: events.EventField.fromPath('$'),
      });

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
