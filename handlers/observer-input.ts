import { DynamoDBStreamRecord, DynamoDBStreamSchema, EventBridgeSchema, S3Schema } from '@aws-lambda-powertools/parser/schemas';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { type ClusterRef, isClusterAllowed } from './clusters';
import { PermanentError } from './errors';
import { ClusterRefSchema, type NotificationEvent } from './messages';
import { toPlainJson } from './plain-json';
import { matchDynamoDbRoutes, matchS3Routes, type RouteTarget, type SourceRoute, tableNameFromArn } from './routes';

/**
 * The observer queue's public contract: every shape a producer, an EventBridge rule or pipe, or S3
 * may put there, normalised into {@link NotificationEvent}s. Validation uses Powertools parser
 * schemas for AWS shapes and zod for the observer message; anything else is a {@link PermanentError}
 * whose message is the dead-letter reason.
 */

/** An ECS service name, or a service ARN (old and new format). */
export const ServiceRefSchema = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/(?:[A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9_-]{1,255})$/,
    'must be an ECS service name or service ARN',
  );

const TopicSchema = z.string().min(1);
const ServicesSchema = z.array(ServiceRefSchema).min(1);

/**
 * The observer message. `{"cluster":"name"}` alone is the original message and stays valid. With
 * `event` it wraps an original event (EventBridge, S3 notification, DynamoDB stream record): the
 * wrapper's fields win, the event supplies what the wrapper leaves out (cluster included).
 */
export const ObserverMessageSchema = z
  .object({
    cluster: ClusterRefSchema.optional(),
    /** Restrict the notification to these services (skips ListServices). */
    services: ServicesSchema.optional(),
    topic: TopicSchema.optional(),
    eventId: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    time: z.string().min(1).optional(),
    /** Any JSON, forwarded to the tasks. */
    detail: z.unknown().optional(),
    /** A wrapped original event. */
    event: z.unknown().optional(),
  })
  .refine((message) => message.cluster !== undefined || message.event !== undefined, {
    message: 'no cluster: give "cluster" (an ECS cluster name or ARN)',
    path: ['cluster'],
  });
export type ObserverMessage = z.infer<typeof ObserverMessageSchema>;

/** The message S3 sends once when a notification configuration is created. */
export const S3TestEventSchema = z.object({
  Service: z.literal('Amazon S3'),
  Event: z.literal('s3:TestEvent'),
  Time: z.string(),
  Bucket: z.string(),
  RequestId: z.string().optional(),
  HostId: z.string().optional(),
});

/**
 * Powertools' S3 notification schema, except that `sourceIPAddress` may be any string: S3 reports
 * IPv6 clients of its dual-stack endpoints there too, and such an upload must not be dead-lettered.
 */
export const S3NotificationSchema = z.object({
  Records: z
    .array(S3Schema.shape.Records.element.extend({ requestParameters: z.object({ sourceIPAddress: z.string() }) }))
    .min(1),
});

/** What an EventBridge event's `detail` may say about where it goes. */
const EventBridgeRoutingSchema = z.object({
  cluster: ClusterRefSchema.optional(),
  topic: TopicSchema.optional(),
  services: ServicesSchema.optional(),
});

// Probes: which shape a JSON value claims to be. The matching schema then validates it in full.
const JsonObjectProbe = z.record(z.string(), z.unknown());
const S3TestEventProbe = z.looseObject({ Event: z.literal('s3:TestEvent') });
const RecordsProbe = z.looseObject({ Records: z.array(z.unknown()) });
const DynamoDbRecordProbe = z.looseObject({ eventSource: z.literal('aws:dynamodb') });
const DynamoDbRecordsProbe = z.looseObject({ Records: z.array(DynamoDbRecordProbe).min(1) });
const EventBridgeProbe = z.looseObject({ 'detail-type': z.string() });

/** A notification event plus the services it is restricted to, if any. */
export interface ObserverEvent extends NotificationEvent {
  /** Service names or ARNs; when present, only these services are considered. */
  services?: string[];
}

export interface ObserverInputConfig {
  /** `SOURCE_ROUTES`: cluster and topic of S3 objects and DynamoDB records. */
  routes: readonly SourceRoute[];
  /** `ALLOWED_CLUSTERS`; also the fallback cluster when it names exactly one. */
  allowedClusters: readonly ClusterRef[];
  /** The function's region, for name-vs-ARN allowlist matches. */
  region?: string;
  /** The function's account (from its ARN), for name-vs-ARN allowlist matches. */
  account?: string;
}

export interface ObserverInput {
  /** What to notify, each for an allowed cluster. */
  events: ObserverEvent[];
  /** Parts acknowledged without notifying anybody (S3 test events), to log. */
  ignored: string[];
}

/** Routing a source needs before it has a cluster. */
type RouteKey = { type: 's3'; bucket: string; key: string; eventName: string } | { type: 'dynamodb'; table: string };

/** One event read from the input, before its cluster is settled. */
interface Draft {
  /** Names the event in error messages. */
  what: string;
  eventId?: string;
  source: string;
  time?: string;
  detail: unknown;
  cluster?: string;
  topic?: string;
  services?: string[];
  route?: RouteKey;
}

interface Parsed {
  drafts: Draft[];
  ignored: string[];
}

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');

const validate = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> => {
  const result = schema.safeParse(value);
  if (!result.success) throw new PermanentError(`${what}: ${describeIssues(result.error)}`);
  return result.data;
};

/** `+` is a space, then percent-decoding: how S3 encodes keys in notifications. */
export const decodeS3Key = (key: string): string => {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw new PermanentError(`S3 notification: object key "${key}" is not valid URL encoding`);
  }
};

/** The ISO time of the SQS SentTimestamp (epoch milliseconds), now when absent. */
export const sentTime = (record: Pick<SQSRecord, 'attributes'>): string => {
  const millis = Number(record.attributes?.SentTimestamp);
  return Number.isFinite(millis) && millis > 0 ? new Date(millis).toISOString() : new Date().toISOString();
};

const parseS3Notification = (value: unknown): Parsed => {
  const notification = validate(S3NotificationSchema, value, 'S3 notification');
  const drafts = notification.Records.map((record): Draft => {
    const bucket = record.s3.bucket.name;
    const object = record.s3.object;
    const key = decodeS3Key(object.key);
    const version = object.sequencer ?? object.versionId;
    return {
      what: `S3 object s3://${bucket}/${key}`,
      ...(version === undefined ? {} : { eventId: `s3:${bucket}/${key}#${version}` }),
      source: 'aws:s3',
      time: record.eventTime,
      detail: {
        bucket,
        key,
        eventName: record.eventName,
        size: object.size,
        eTag: object.eTag,
        versionId: object.versionId,
        sequencer: object.sequencer,
      },
      route: { type: 's3', bucket, key, eventName: record.eventName },
    };
  });
  return { drafts, ignored: [] };
};

type DynamoDbRecord = z.output<typeof DynamoDBStreamRecord>;

const dynamoDbDraft = (record: DynamoDbRecord): Draft => {
  const table = tableNameFromArn(record.eventSourceARN);
  if (table === undefined) {
    throw new PermanentError(`DynamoDB stream record: eventSourceARN "${record.eventSourceARN}" is not a DynamoDB stream ARN`);
  }
  const change = record.dynamodb;
  const created = change.ApproximateCreationDateTime;
  return {
    what: `DynamoDB record ${record.eventID} of table ${table}`,
    eventId: record.eventID,
    source: 'aws:dynamodb',
    ...(created === undefined ? {} : { time: new Date(created * 1_000).toISOString() }),
    detail: toPlainJson({
      eventName: record.eventName,
      tableName: table,
      keys: change.Keys,
      newImage: change.NewImage,
      oldImage: change.OldImage,
      sequenceNumber: 'SequenceNumber' in change ? change.SequenceNumber : undefined,
    }),
    route: { type: 'dynamodb', table },
  };
};

const parseEventBridge = (value: unknown): Parsed => {
  const event = validate(EventBridgeSchema, value, 'EventBridge event');
  const detailObject = JsonObjectProbe.safeParse(event.detail);
  const routing = detailObject.success ? validate(EventBridgeRoutingSchema, detailObject.data, 'EventBridge event: detail') : {};
  return {
    drafts: [
      {
        what: `EventBridge event ${event.id} (${event.source})`,
        eventId: event.id,
        source: event.source,
        time: event.time,
        detail: event.detail ?? null,
        ...routing,
      },
    ],
    ignored: [],
  };
};

const ignoreS3TestEvent = (value: unknown): Parsed => {
  const test = validate(S3TestEventSchema, value, 'S3 test event');
  return { drafts: [], ignored: [`s3:TestEvent for bucket ${test.Bucket} at ${test.Time}`] };
};

const AWS_SHAPES = 'an EventBridge event, an S3 notification or a DynamoDB stream record';
const UNKNOWN_SHAPE = `unknown message shape: expected an observer message {"cluster":...}, ${AWS_SHAPES}, or a JSON array of them`;
const UNKNOWN_WRAPPED_SHAPE = `event: unknown event shape: expected ${AWS_SHAPES}`;

/** An original AWS event (not an observer message), raw or inside a wrapper. */
const parseAwsEvent = (value: unknown): Parsed | undefined => {
  if (S3TestEventProbe.safeParse(value).success) return ignoreS3TestEvent(value);
  if (DynamoDbRecordsProbe.safeParse(value).success) {
    const stream = validate(DynamoDBStreamSchema, value, 'DynamoDB stream event');
    return { drafts: stream.Records.map(dynamoDbDraft), ignored: [] };
  }
  if (RecordsProbe.safeParse(value).success) return parseS3Notification(value);
  if (DynamoDbRecordProbe.safeParse(value).success) {
    return { drafts: [dynamoDbDraft(validate(DynamoDBStreamRecord, value, 'DynamoDB stream record'))], ignored: [] };
  }
  if (EventBridgeProbe.safeParse(value).success) return parseEventBridge(value);
  return undefined;
};

const parseObserverMessage = (value: unknown): Parsed => {
  const message = validate(ObserverMessageSchema, value, 'observer message');
  const override = {
    ...(message.cluster === undefined ? {} : { cluster: message.cluster }),
    ...(message.topic === undefined ? {} : { topic: message.topic }),
    ...(message.services === undefined ? {} : { services: message.services }),
    ...(message.source === undefined ? {} : { source: message.source }),
    ...(message.time === undefined ? {} : { time: message.time }),
    ...(message.detail === undefined ? {} : { detail: message.detail }),
  };
  if (message.event === undefined) {
    const draft: Draft = { what: 'observer message', source: 'observer', detail: null, ...override };
    if (message.eventId !== undefined) draft.eventId = message.eventId;
    return { drafts: [draft], ignored: [] };
  }
  const inner = parseAwsEvent(message.event);
  if (inner === undefined) throw new PermanentError(`observer message: ${UNKNOWN_WRAPPED_SHAPE}`);
  const many = inner.drafts.length > 1;
  return {
    drafts: inner.drafts.map((draft, index) => {
      const merged: Draft = { ...draft, ...override };
      // A wrapper cluster settles the cluster: routes are only for events that name none.
      if (message.cluster !== undefined) delete merged.route;
      if (message.eventId !== undefined) merged.eventId = many ? `${message.eventId}#${index}` : message.eventId;
      return merged;
    }),
    ignored: inner.ignored,
  };
};

const parseValue = (value: unknown): Parsed => {
  const aws = parseAwsEvent(value);
  if (aws !== undefined) return aws;
  if (JsonObjectProbe.safeParse(value).success) return parseObserverMessage(value);
  throw new PermanentError(UNKNOWN_SHAPE);
};

const describeRoute = (route: RouteKey): string =>
  route.type === 's3' ? `S3 object s3://${route.bucket}/${route.key} (${route.eventName})` : `DynamoDB table ${route.table}`;

const routeTargets = (route: RouteKey, config: ObserverInputConfig): RouteTarget[] => {
  const matched = route.type === 's3' ? matchS3Routes(config.routes, route) : matchDynamoDbRoutes(config.routes, route.table);
  if (matched.length > 0) return matched;
  const only = config.allowedClusters.length === 1 ? config.allowedClusters[0] : undefined;
  if (only !== undefined) return [{ cluster: only.arn ?? only.name }];
  throw new PermanentError(
    `no SOURCE_ROUTES entry matches ${describeRoute(route)} and ALLOWED_CLUSTERS names more than one cluster: add a route for ${
      route.type === 's3' ? `bucket ${route.bucket}` : `table ${route.table}`
    }`,
  );
};

const finish = (draft: Draft, fallbackId: string, fallbackTime: string, config: ObserverInputConfig): ObserverEvent[] => {
  const base = {
    eventId: draft.eventId ?? fallbackId,
    source: draft.source,
    time: draft.time ?? fallbackTime,
    detail: draft.detail,
  };
  const services = draft.services === undefined ? {} : { services: [...new Set(draft.services)] };
  if (draft.cluster !== undefined) {
    return [{ ...base, cluster: draft.cluster, ...(draft.topic === undefined ? {} : { topic: draft.topic }), ...services }];
  }
  if (draft.route === undefined) {
    throw new PermanentError(`${draft.what}: no cluster: give detail.cluster, or wrap the event in an observer message with "cluster"`);
  }
  return routeTargets(draft.route, config).map((target) => {
    const topic = draft.topic ?? target.topic;
    return { ...base, cluster: target.cluster, ...(topic === undefined ? {} : { topic }), ...services };
  });
};

/** Drops exact repeats (same event id, cluster and topic), e.g. two routes to one cluster. */
const unique = (events: ObserverEvent[]): ObserverEvent[] => {
  const seen = new Set<string>();
  return events.filter((event) => {
    const key = JSON.stringify([event.eventId, event.cluster, event.topic ?? null]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/**
 * Reads one observer queue record: every event it carries, each with an allowed cluster, or a
 * {@link PermanentError} saying what is wrong. A JSON array is read element by element; one bad
 * element rejects the whole record before anything is notified (the reason names the element).
 * Event ids fall back to the SQS message id (`<messageId>#<n>` for the n-th of several).
 */
export const parseObserverRecord = (
  record: Pick<SQSRecord, 'body' | 'messageId' | 'attributes'>,
  config: ObserverInputConfig,
): ObserverInput => {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    throw new PermanentError('observer message: body is not JSON');
  }
  const time = sentTime(record);
  const elements: { value: unknown; prefix: string; fallbackId: string }[] = Array.isArray(json)
    ? json.map((value, index) => ({ value, prefix: `[${index}] `, fallbackId: `${record.messageId}#${index}` }))
    : [{ value: json, prefix: '', fallbackId: record.messageId }];
  if (elements.length === 0) throw new PermanentError('observer message: empty JSON array, nothing to notify');

  const events: ObserverEvent[] = [];
  const ignored: string[] = [];
  for (const element of elements) {
    try {
      const parsed = parseValue(element.value);
      const many = parsed.drafts.length > 1;
      parsed.drafts.forEach((draft, index) => {
        events.push(...finish(draft, many ? `${element.fallbackId}#${index}` : element.fallbackId, time, config));
      });
      ignored.push(...parsed.ignored);
    } catch (error) {
      if (error instanceof PermanentError && element.prefix) throw new PermanentError(`${element.prefix}${error.message}`);
      throw error;
    }
  }
  for (const event of events) {
    if (!isClusterAllowed(event.cluster, config.allowedClusters, config.region, config.account)) {
      throw new PermanentError(`cluster "${event.cluster}" is not in ALLOWED_CLUSTERS`);
    }
  }
  return { events: unique(events), ignored };
};
