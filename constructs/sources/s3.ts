import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { SourceRoute } from '../source-routes';

export interface S3SourceSpec {
  /** The `ALLOWED_CLUSTERS` entry to notify. */
  readonly cluster: string;
  readonly topic?: string;
  readonly events?: s3.EventType[];
  readonly filters?: s3.NotificationKeyFilter[];
}

/** The prefix and suffix of `filters` (S3 accepts at most one of each per notification). */
export const keyFilter = (filters: readonly s3.NotificationKeyFilter[], prop: string): { prefix?: string; suffix?: string } => {
  const prefixes = filters.map((filter) => filter.prefix).filter((value) => value !== undefined);
  const suffixes = filters.map((filter) => filter.suffix).filter((value) => value !== undefined);
  if (prefixes.length > 1 || suffixes.length > 1) {
    throw new Error(`${prop}: S3 accepts at most one prefix and one suffix per notification`);
  }
  return { prefix: prefixes[0], suffix: suffixes[0] };
};

/**
 * Sends the bucket's notifications straight to the observer queue (the queue policy, and the key
 * policy of a customer key, let S3 write) and returns the `SOURCE_ROUTES` entry that tells the
 * service discovery function which cluster and topic they are for.
 */
export const addS3Source = (bucket: s3.IBucket, observerQueue: sqs.IQueue, spec: S3SourceSpec): SourceRoute => {
  const eventTypes = spec.events ?? [s3.EventType.OBJECT_CREATED];
  if (eventTypes.length === 0) throw new Error('addS3Source events: give at least one event type (or omit it)');
  const filters = spec.filters ?? [];
  const { prefix, suffix } = keyFilter(filters, 'addS3Source filters');
  const destination = new s3n.SqsDestination(observerQueue);
  for (const eventType of eventTypes) bucket.addEventNotification(eventType, destination, ...filters);
  return {
    type: 's3',
    bucket: bucket.bucketName,
    prefix,
    suffix,
    events: [...eventTypes],
    cluster: spec.cluster,
    topic: spec.topic,
  };
};
