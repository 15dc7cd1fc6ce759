import { ClusterNotFoundException, type Failure, InvalidParameterException } from '@aws-sdk/client-ecs';
import { errorMessage, PermanentError, TransientError } from './errors';

/** Splits `items` into arrays of at most `size` (an API's batch limit). */
export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
};

/**
 * ECS errors no retry can fix (the cluster does not exist, a malformed name) become a
 * {@link PermanentError}; anything else (throttling, 5xx) is rethrown as is, so the record is retried.
 */
export const rethrowEcsError = (error: unknown, what: string): never => {
  if (error instanceof ClusterNotFoundException || error instanceof InvalidParameterException) {
    throw new PermanentError(`${what}: ${errorMessage(error)}`, { cause: error });
  }
  throw error;
};

/** What one ECS Describe* call returned: the items found and the `failures` array. */
export interface DescribeChunk<T> {
  items?: T[];
  failures?: Failure[];
}

/**
 * Calls an ECS Describe* API (`operation` on `cluster`) for `ids` in chunks of `size`, checking every
 * `failures` entry: MISSING (gone since it was listed, or never there) goes to `onMissing`; any other
 * failure is a {@link TransientError}, so the record is retried rather than silently short.
 */
export const describeInChunks = async <T>(
  operation: string,
  cluster: string,
  ids: readonly string[],
  size: number,
  describe: (ids: string[]) => Promise<DescribeChunk<T>>,
  onMissing: (arn: string | undefined) => void,
): Promise<T[]> => {
  const found: T[] = [];
  for (const part of chunk(ids, size)) {
    let response: DescribeChunk<T>;
    try {
      response = await describe(part);
    } catch (error) {
      return rethrowEcsError(error, `${operation}(${cluster})`);
    }
    for (const failure of response.failures ?? []) {
      if (failure.reason === 'MISSING') {
        onMissing(failure.arn);
        continue;
      }
      throw new TransientError(
        `${operation} failed for ${failure.arn ?? 'unknown'}: ${failure.reason ?? 'unknown'} ${failure.detail ?? ''}`.trim(),
      );
    }
    found.push(...(response.items ?? []));
  }
  return found;
};
