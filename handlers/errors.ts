/**
 * A record that can never succeed however often it is retried (bad JSON, unknown or forbidden
 * cluster, wrong types). The batch runner moves it to the dead-letter queue at once, with this
 * message as the reason, and does not fail its neighbours.
 */
export class PermanentError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/**
 * A record that may succeed later (throttling, AWS 5xx, a task that timed out). The batch runner
 * reports it as a batch item failure so SQS redelivers it; after the queue's max receive count SQS
 * moves it to the dead-letter queue.
 */
export class TransientError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** Message of any thrown value, for log lines and dead-letter reasons. */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
