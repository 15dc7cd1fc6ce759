import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyUnknownError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { IDEMPOTENCY_KEY_PREFIX } from './constants';
import { TransientError } from './errors';
import type { TaskMessage } from './messages';
import type { NotifyResult, PostOptions } from './notify';

/**
 * The idempotency key of a notification: event id, task ARN and container. The issue asks for
 * "event id plus task ARN"; the container is added because a task with two labelled containers is
 * two targets, and without it the second container's notification would be suppressed as a
 * duplicate of the first.
 */
export const IDEMPOTENCY_KEY_JMESPATH = '[eventId, taskArn, container]' as const;

/** Default lifetime of an idempotency record: replays within a day never POST twice. */
export const DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS = 86_400;

/**
 * The idempotency store could not decide (another execution holds the target in progress, or
 * DynamoDB failed): nothing was POSTed by this attempt; retry later. Not a notify failure.
 */
export class IdempotencyRetryLaterError extends TransientError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IdempotencyRetryLaterError';
  }
}

/** A notification result, marked when it was replayed from the idempotency store instead of POSTed. */
export type IdempotentNotifyResult = NotifyResult & { duplicate?: boolean };

/** Sends one notification (the function made idempotent). */
export type NotifyFunction = (message: TaskMessage, options: PostOptions) => Promise<NotifyResult>;

export interface IdempotentNotifierOptions {
  /** `IDEMPOTENCY_TABLE_NAME`: partition key `id`, TTL attribute `expiration` (Powertools defaults). */
  tableName: string;
  /** `IDEMPOTENCY_EXPIRY_SECONDS`. */
  expiresAfterSeconds: number;
  /** The DynamoDB client; created once per process by {@link idempotentNotifier} when omitted. */
  client?: DynamoDBClient;
  /** The POST itself. */
  notify: NotifyFunction;
}

export interface IdempotentNotifier {
  /** Call with the invocation's context before processing records (in-progress expiry). */
  registerLambdaContext(context: Context): void;
  /**
   * Notifies at most once per key. A stored result comes back with `duplicate: true` and no POST.
   * Errors of `notify` propagate unchanged and delete the in-progress record, so a retry or a
   * redrive from the DLQ can POST again. An execution in progress elsewhere and persistence
   * failures become {@link IdempotencyRetryLaterError}s (transient: retry later).
   */
  notifyOnce(message: TaskMessage, options: PostOptions): Promise<IdempotentNotifyResult>;
}

/** Builds a notifier on its own persistence layer and config (see {@link idempotentNotifier}). */
export const createIdempotentNotifier = (options: IdempotentNotifierOptions): IdempotentNotifier => {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.client ?? sharedDynamoDbClient(),
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: IDEMPOTENCY_KEY_JMESPATH,
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds,
    responseHook: (response) => ({ ...(response as object), duplicate: true }),
  });
  const idempotent = makeIdempotent(options.notify, {
    persistenceStore,
    config,
    keyPrefix: IDEMPOTENCY_KEY_PREFIX,
    dataIndexArgument: 0,
  });
  return {
    registerLambdaContext: (context) => config.registerLambdaContext(context),
    notifyOnce: async (message, postOptions) => {
      try {
        return (await idempotent(message, postOptions)) as IdempotentNotifyResult;
      } catch (error) {
        if (error instanceof IdempotencyAlreadyInProgressError) {
          throw new IdempotencyRetryLaterError(`notification already in progress elsewhere: ${error.message}`, { cause: error });
        }
        if (error instanceof IdempotencyUnknownError) {
          // The store failed (e.g. DynamoDB throttled): nothing is known about this target yet.
          const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
          throw new IdempotencyRetryLaterError(`idempotency store failed: ${error.message}${cause}`, { cause: error });
        }
        throw error;
      }
    },
  };
};

let dynamoDbClient: DynamoDBClient | undefined;

/**
 * The process's DynamoDB client, created on first use with the SDK's standard settings (so
 * `AWS_ENDPOINT_URL_DYNAMODB` points it at a local DynamoDB).
 */
export const sharedDynamoDbClient = (): DynamoDBClient => {
  dynamoDbClient ??= new DynamoDBClient({});
  return dynamoDbClient;
};

const notifiers = new Map<string, IdempotentNotifier>();

/**
 * The notifier for a table, created once per (table name, expiry) and reused across warm
 * invocations: one persistence layer is configured once, so another table needs its own.
 */
export const idempotentNotifier = (options: IdempotentNotifierOptions): IdempotentNotifier => {
  const key = `${options.tableName}\u0000${options.expiresAfterSeconds}`;
  let notifier = notifiers.get(key);
  if (!notifier) {
    notifier = createIdempotentNotifier(options);
    notifiers.set(key, notifier);
  }
  return notifier;
};
