/**
 * Dollar estimate of one fan-out from request counts. Prices are public list prices (us-east-1,
 * as published in 2025) and are ASSUMPTIONS: check the current pricing pages before relying on them.
 * Free tiers are ignored; Lambda duration (GB-seconds) is not estimated because the local run
 * cannot measure Lambda durations faithfully.
 */
export const LIST_PRICES_USD = {
  /** SQS standard queue, per request (USD 0.40 per million; each 64 KiB chunk of a payload is one request). */
  sqsRequest: 0.4 / 1e6,
  /** Lambda, per invocation request (USD 0.20 per million). */
  lambdaRequest: 0.2 / 1e6,
  /** DynamoDB on-demand, per write request unit (USD 0.625 per million). */
  dynamoDbWrite: 0.625 / 1e6,
} as const;

/** Requests one fan-out makes, by billing dimension. */
export interface BilledRequests {
  sqsRequests: number;
  lambdaInvocations: number;
  /** Idempotency store writes (each item under 1 KB: one write request unit). */
  dynamoDbWrites: number;
}

export interface CostEstimate {
  sqsUsd: number;
  lambdaUsd: number;
  dynamoDbUsd: number;
  totalUsd: number;
}

/** USD for `requests` at `prices`. */
export const estimateCost = (requests: BilledRequests, prices: typeof LIST_PRICES_USD = LIST_PRICES_USD): CostEstimate => {
  const sqsUsd = requests.sqsRequests * prices.sqsRequest;
  const lambdaUsd = requests.lambdaInvocations * prices.lambdaRequest;
  const dynamoDbUsd = requests.dynamoDbWrites * prices.dynamoDbWrite;
  return { sqsUsd, lambdaUsd, dynamoDbUsd, totalUsd: sqsUsd + lambdaUsd + dynamoDbUsd };
};

/** Scales a per-event count to "per 1,000 tasks notified". */
export const per1000 = (count: number, notified: number): number => (notified === 0 ? Number.NaN : (count * 1_000) / notified);

/** USD with enough digits for fractions of a cent. */
export const formatUsd = (usd: number): string => `$${usd < 0.01 ? usd.toFixed(6) : usd.toFixed(4)}`;
