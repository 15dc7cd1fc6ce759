/** An error a simulated AWS API answers with: the AWS error code, message and HTTP status. */
export class AwsApiError extends Error {
  public constructor(
    public readonly code: string,
    message: string,
    public readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/** Counts calls per `Service.Operation`. */
export class CallCounter {
  private counts: Record<string, number> = {};

  public add(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  public snapshot(): Record<string, number> {
    return { ...this.counts };
  }

  public reset(): void {
    this.counts = {};
  }
}
