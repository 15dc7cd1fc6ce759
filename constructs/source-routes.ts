import { Lazy, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The `SOURCE_ROUTES` contract with the service discovery function: how an S3 notification or a raw
 * DynamoDB stream record (neither names a cluster) maps to the cluster and topic to notify.
 */
export type SourceRoute =
  | {
      readonly type: 's3';
      /** Bucket name. */
      readonly bucket: string;
      readonly prefix?: string;
      readonly suffix?: string;
      /** S3 event types, for example `s3:ObjectCreated:*`. */
      readonly events?: string[];
      readonly cluster: string;
      readonly topic?: string;
    }
  | {
      readonly type: 'dynamodb';
      /** Table name. */
      readonly table: string;
      readonly cluster: string;
      readonly topic?: string;
    };

/** Drops unset keys so the JSON stays compact and matches the documented shape. */
const compact = (route: SourceRoute): SourceRoute =>
  Object.fromEntries(Object.entries(route).filter(([, value]) => value !== undefined)) as SourceRoute;

/**
 * Routes collected while sources are added after construction; {@link SourceRoutes.value} is a lazy
 * string that renders them as compact JSON at synth, resolving bucket and table name tokens.
 */
export class SourceRoutes {
  private readonly routes: SourceRoute[] = [];

  constructor(private readonly scope: IConstruct) {}

  /** Adds a route (unset optional keys are omitted). */
  add(route: SourceRoute): void {
    this.routes.push(compact(route));
  }

  /** The routes added so far. */
  get all(): readonly SourceRoute[] {
    return this.routes;
  }

  /** `SOURCE_ROUTES`: a JSON array, `[]` when no source needs routing. */
  get value(): string {
    return Lazy.string({ produce: () => Stack.of(this.scope).toJsonString(this.routes) });
  }
}
