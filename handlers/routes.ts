import { z } from 'zod';
import { ClusterRefSchema } from './messages';

/**
 * `SOURCE_ROUTES`: which cluster (and optional topic) an S3 object or a DynamoDB stream record is
 * for. S3 and DynamoDB events carry no cluster; the construct writes one route per source it wires
 * to the observer queue. Compact JSON, because a function's whole environment is limited to 4 KB.
 */

/** An S3 event pattern as S3 notifications spell it: `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`. */
const S3EventPatternSchema = z
  .string()
  .regex(/^s3:[A-Za-z]+(?::(?:[A-Za-z]+|\*))?$/, 'must be an S3 event type such as "s3:ObjectCreated:*"');

const TopicSchema = z.string().min(1);

/** Routes objects of `bucket` (optionally filtered by key prefix/suffix and event type). */
export const S3RouteSchema = z.strictObject({
  type: z.literal('s3'),
  bucket: z.string().min(1),
  prefix: z.string().min(1).optional(),
  suffix: z.string().min(1).optional(),
  events: z.array(S3EventPatternSchema).min(1).optional(),
  cluster: ClusterRefSchema,
  topic: TopicSchema.optional(),
});
export type S3Route = z.infer<typeof S3RouteSchema>;

/** Routes the stream records of `table` (the table name, as in the stream ARN). */
export const DynamoDbRouteSchema = z.strictObject({
  type: z.literal('dynamodb'),
  table: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  cluster: ClusterRefSchema,
  topic: TopicSchema.optional(),
});
export type DynamoDbRoute = z.infer<typeof DynamoDbRouteSchema>;

export const SourceRouteSchema = z.discriminatedUnion('type', [S3RouteSchema, DynamoDbRouteSchema]);
export type SourceRoute = z.infer<typeof SourceRouteSchema>;

export const SourceRoutesSchema = z.array(SourceRouteSchema);

/** Where a routed event goes. */
export interface RouteTarget {
  cluster: string;
  topic?: string;
}

/**
 * Parses `SOURCE_ROUTES` (unset or blank: no routes). Anything invalid is a configuration error
 * (a plain Error, so records are retried rather than dead-lettered) whose message says what is wrong.
 */
export const parseSourceRoutes = (raw: string | undefined): SourceRoute[] => {
  if (raw === undefined || raw.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`SOURCE_ROUTES is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = SourceRoutesSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new Error(`SOURCE_ROUTES is invalid: ${issues}`);
  }
  return result.data;
};

/**
 * Whether an S3 record's `eventName` (no `s3:` prefix, e.g. `ObjectCreated:Put`) matches a
 * notification pattern (`s3:ObjectCreated:*`, `s3:ObjectCreated:Put`).
 */
export const s3EventMatches = (pattern: string, eventName: string): boolean => {
  const wanted = pattern.replace(/^s3:/, '');
  const name = eventName.replace(/^s3:/, '');
  return wanted.endsWith('*') ? name.startsWith(wanted.slice(0, -1)) : name === wanted;
};

/** The object an S3 record is about; `key` already URL-decoded. */
export interface S3ObjectRef {
  bucket: string;
  key: string;
  eventName: string;
}

/** Every S3 route the object matches (bucket, prefix, suffix and event type), in route order. */
export const matchS3Routes = (routes: readonly SourceRoute[], object: S3ObjectRef): RouteTarget[] =>
  routes
    .filter((route): route is S3Route => route.type === 's3')
    .filter(
      (route) =>
        route.bucket === object.bucket &&
        (route.prefix === undefined || object.key.startsWith(route.prefix)) &&
        (route.suffix === undefined || object.key.endsWith(route.suffix)) &&
        (route.events === undefined || route.events.some((pattern) => s3EventMatches(pattern, object.eventName))),
    )
    .map(toTarget);

/** Every DynamoDB route of `table`, in route order. */
export const matchDynamoDbRoutes = (routes: readonly SourceRoute[], table: string): RouteTarget[] =>
  routes.filter((route): route is DynamoDbRoute => route.type === 'dynamodb' && route.table === table).map(toTarget);

const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]*:\d*:table\/([A-Za-z0-9_.-]+)(?:\/stream\/.*)?$/;

/** The table name of a DynamoDB stream (or table) ARN; undefined when it is not one. */
export const tableNameFromArn = (arn: string): string | undefined => STREAM_ARN.exec(arn)?.[1];

const toTarget = (route: SourceRoute): RouteTarget =>
  route.topic === undefined ? { cluster: route.cluster } : { cluster: route.cluster, topic: route.topic };
