import { Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantSendExact } from '../grants';
import { assertIntegerInRange } from '../validation';

export interface DynamoDbStreamSourceSpec {
  /** The `ALLOWED_CLUSTERS` entry to notify. */
  readonly cluster: string;
  readonly topic?: string;
  readonly filters?: string[];
  readonly startingPosition?: lambda.StartingPosition;
  readonly batchSize?: number;
  readonly maximumRetryAttempts?: number;
}

export interface DynamoDbStreamSourceContext {
  readonly observerQueue: sqs.IQueue;
  /** On-failure destination of the pipe: records that still fail after the retries. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The pipe's target input template: each stream record wrapped as
 * `{"cluster": ..., "topic": ..., "event": <the record>}`. `<aws.pipes.event.json>` is the reserved
 * variable for the whole event as JSON; it is not escaped, so it may only stand as a JSON value.
 */
export const pipeInputTemplate = (cluster: string, topic: string | undefined): string =>
  `{"cluster":${JSON.stringify(cluster)},${topic === undefined ? '' : `"topic":${JSON.stringify(topic)},`}"event":<aws.pipes.event.json>}`;

const STARTING_POSITIONS = new Set<string>([lambda.StartingPosition.LATEST, lambda.StartingPosition.TRIM_HORIZON]);

/**
 * An EventBridge Pipe from a table's stream to the observer queue. A failing batch is bisected and
 * retried; records that still fail go to the pipe's dead-letter queue, so no change is lost silently.
 */
export class DynamoDbStreamPipe extends Construct {
  /** The pipe's own role: read this stream, write the observer queue and the dead-letter queue. */
  readonly role: iam.Role;
  readonly pipe: pipes.CfnPipe;

  constructor(scope: Construct, id: string, table: dynamodb.ITable, context: DynamoDbStreamSourceContext, spec: DynamoDbStreamSourceSpec) {
    super(scope, id);
    const streamArn = table.tableStreamArn;
    if (streamArn === undefined) {
      throw new Error(
        'addDynamoDbStreamSource table: the table has no stream; set `stream` (for example StreamViewType.NEW_AND_OLD_IMAGES) ' +
          'on the Table, or `tableStreamArn` when importing it',
      );
    }
    const startingPosition = spec.startingPosition ?? lambda.StartingPosition.LATEST;
    if (!STARTING_POSITIONS.has(startingPosition)) {
      throw new Error(`addDynamoDbStreamSource startingPosition: DynamoDB streams support LATEST or TRIM_HORIZON, got ${startingPosition}`);
    }
    assertIntegerInRange('addDynamoDbStreamSource batchSize', spec.batchSize, 1, 10);
    assertIntegerInRange('addDynamoDbStreamSource maximumRetryAttempts', spec.maximumRetryAttempts, 0, 185);
    const filters = spec.filters ?? [];
    filters.forEach((pattern, index) => {
      if (Token.isUnresolved(pattern)) return;
      try {
        JSON.parse(pattern);
      } catch {
        throw new Error(`addDynamoDbStreamSource filters[${index}]: not a JSON filter pattern: ${pattern}`);
      }
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'ecs-task-notifier: reads one DynamoDB stream into the observer queue',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadThisStream',
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListStreamsNoResourceLevelPermissions',
        actions: ['dynamodb:ListStreams'],
        resources: ['*'],
      }),
    );
    table.encryptionKey?.grantDecrypt(this.role);
    grantSendExact(context.observerQueue, this.role);
    grantSendExact(context.deadLetterQueue, this.role);

    this.pipe = new pipes.CfnPipe(this, 'Pipe', {
      description: 'ecs-task-notifier: DynamoDB stream records to the observer queue',
      roleArn: this.role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          startingPosition,
          batchSize: spec.batchSize ?? 10,
          maximumRetryAttempts: spec.maximumRetryAttempts ?? 10,
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          deadLetterConfig: { arn: context.deadLetterQueue.queueArn },
        },
        ...(filters.length > 0 ? { filterCriteria: { filters: filters.map((pattern) => ({ pattern })) } } : {}),
      },
      target: context.observerQueue.queueArn,
      targetParameters: { inputTemplate: pipeInputTemplate(spec.cluster, spec.topic) },
    });
    // The role's policy must exist before the pipe validates its access at creation.
    this.pipe.node.addDependency(this.role);
  }
}
