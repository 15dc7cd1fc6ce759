import { describe, expect, it } from 'vitest';
import { parseAllowedClusters } from '../../handlers/clusters';
import { PermanentError } from '../../handlers/errors';
import { decodeS3Key, type ObserverInputConfig, parseObserverRecord } from '../../handlers/observer-input';
import { matchS3Routes, parseSourceRoutes, s3EventMatches, type SourceRoute, tableNameFromArn } from '../../handlers/routes';

const SENT = '1795312800000'; // 2026-11-22T00:40:00.000Z
const SENT_ISO = new Date(Number(SENT)).toISOString();

const config = (allowed = 'demo,other', routes: SourceRoute[] = []): ObserverInputConfig => ({
  routes,
  allowedClusters: parseAllowedClusters(allowed),
  region: 'eu-west-1',
});

const record = (body: unknown, messageId = 'msg-1') => ({
  body: typeof body === 'string' ? body : JSON.stringify(body),
  messageId,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: SENT,
    SenderId: 'AIDAEXAMPLE',
    ApproximateFirstReceiveTimestamp: SENT,
  },
});

const parse = (body: unknown, cfg = config(), messageId = 'msg-1') => parseObserverRecord(record(body, messageId), cfg);

const rejection = (body: unknown, cfg = config()): string => {
  try {
    parse(body, cfg);
  } catch (error) {
    expect(error).toBeInstanceOf(PermanentError);
    return (error as Error).message;
  }
  throw new Error('expected a PermanentError');
};

const eventBridge = (detail: unknown, overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'eb-0001',
  'detail-type': 'Cache Invalidated',
  source: 'com.example.catalog',
  account: '123456789012',
  time: '2026-11-22T02:05:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
  ...overrides,
});

const s3Record = (
  key: string,
  options: { bucket?: string; eventName?: string; sequencer?: string | null; versionId?: string; size?: number } = {},
) => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'eu-west-1',
  eventTime: '2026-11-22T02:15:00.000Z',
  eventName: options.eventName ?? 'ObjectCreated:Put',
  userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
  requestParameters: { sourceIPAddress: '203.0.113.10' },
  responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S' },
  s3: {
    s3SchemaVersion: '1.0',
    configurationId: 'notify',
    bucket: {
      name: options.bucket ?? 'demo-config-bucket',
      ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
      arn: `arn:aws:s3:::${options.bucket ?? 'demo-config-bucket'}`,
    },
    object: {
      key,
      size: options.size ?? 1024,
      eTag: 'd41d8cd98f00b204e9800998ecf8427e',
      ...(options.versionId === undefined ? {} : { versionId: options.versionId }),
      ...(options.sequencer === null ? {} : { sequencer: options.sequencer ?? '0055AED6DCD90281E5' }),
    },
  },
});

const s3Notification = (...records: ReturnType<typeof s3Record>[]) => ({ Records: records });

const dynamoDbRecord = (table = 'demo-table', eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT') => ({
  eventID: 'c4ca4238a0b923820dcc509a6f75849b',
  eventName,
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'eu-west-1',
  dynamodb: {
    ApproximateCreationDateTime: 1795313700,
    Keys: { pk: { S: 'setting#1' } },
    NewImage: {
      pk: { S: 'setting#1' },
      enabled: { BOOL: true },
      version: { N: '7' },
      regions: { SS: ['eu-west-1', 'us-east-1'] },
      big: { N: '12345678901234567890' },
    },
    SequenceNumber: '4421584500000000017450439091',
    SizeBytes: 86,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
  eventSourceARN: `arn:aws:dynamodb:eu-west-1:123456789012:table/${table}/stream/2026-11-22T00:00:00.000`,
});

describe('observer message', () => {
  it('accepts the original {"cluster":"x"} unchanged', () => {
    expect(parse({ cluster: 'demo' })).toEqual({
      events: [{ eventId: 'msg-1', source: 'observer', time: SENT_ISO, detail: null, cluster: 'demo' }],
      ignored: [],
    });
  });

  it('keeps every optional field of a full message', () => {
    const { events } = parse({
      cluster: 'demo',
      services: ['orders-api', 'billing-worker', 'orders-api'],
      topic: 'config',
      eventId: 'release-42',
      source: 'release-pipeline',
      time: '2026-11-22T02:00:00Z',
      detail: { version: 42, nested: [1, { a: null }] },
    });
    expect(events).toEqual([
      {
        eventId: 'release-42',
        source: 'release-pipeline',
        time: '2026-11-22T02:00:00Z',
        topic: 'config',
        cluster: 'demo',
        services: ['orders-api', 'billing-worker'],
        detail: { version: 42, nested: [1, { a: null }] },
      },
    ]);
  });

  it('accepts a cluster ARN on the allowlist', () => {
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:cluster/demo';
    expect(parse({ cluster: arn }).events[0]!.cluster).toBe(arn);
  });

  it('keeps the event id stable across redeliveries', () => {
    const first = parse({ cluster: 'demo' }, config(), 'msg-7');
    const again = parse({ cluster: 'demo' }, config(), 'msg-7');
    expect(again.events[0]!.eventId).toBe(first.events[0]!.eventId);
    // With an explicit eventId, even a re-sent copy (new message id) keeps it.
    expect(parse({ cluster: 'demo', eventId: 'e-1' }, config(), 'msg-8').events[0]!.eventId).toBe(
      parse({ cluster: 'demo', eventId: 'e-1' }, config(), 'msg-9').events[0]!.eventId,
    );
  });
});

describe('EventBridge events', () => {
  it('takes cluster, topic and services from detail', () => {
    const { events } = parse(eventBridge({ cluster: 'demo', topic: 'cache', services: ['orders-api'], keys: ['p:1'] }));
    expect(events).toEqual([
      {
        eventId: 'eb-0001',
        source: 'com.example.catalog',
        time: '2026-11-22T02:05:00Z',
        topic: 'cache',
        cluster: 'demo',
        services: ['orders-api'],
        detail: { cluster: 'demo', topic: 'cache', services: ['orders-api'], keys: ['p:1'] },
      },
    ]);
  });

  it('takes cluster and topic from a wrapper and the rest from the event', () => {
    const ssm = eventBridge(
      { operation: 'Update', name: '/demo/flags', type: 'String' },
      { id: 'ssm-1', source: 'aws.ssm', 'detail-type': 'Parameter Store Change' },
    );
    const { events } = parse({ cluster: 'demo', topic: 'config', event: ssm });
    expect(events).toEqual([
      {
        eventId: 'ssm-1',
        source: 'aws.ssm',
        time: '2026-11-22T02:05:00Z',
        topic: 'config',
        cluster: 'demo',
        detail: { operation: 'Update', name: '/demo/flags', type: 'String' },
      },
    ]);
  });

  it('lets the wrapper win over the event detail', () => {
    const { events } = parse({
      cluster: 'other',
      topic: 'wrapper-topic',
      services: ['svc-a'],
      eventId: 'wrapper-id',
      detail: { from: 'wrapper' },
      event: eventBridge({ cluster: 'demo', topic: 'inner', services: ['svc-b'] }),
    });
    expect(events).toEqual([
      {
        eventId: 'wrapper-id',
        source: 'com.example.catalog',
        time: '2026-11-22T02:05:00Z',
        topic: 'wrapper-topic',
        cluster: 'other',
        services: ['svc-a'],
        detail: { from: 'wrapper' },
      },
    ]);
  });

  it('uses detail.cluster when the wrapper gives none', () => {
    expect(parse({ topic: 't', event: eventBridge({ cluster: 'other' }) }).events[0]).toMatchObject({ cluster: 'other', topic: 't' });
  });

  it('rejects an event without a cluster, and a detail.cluster of the wrong type', () => {
    expect(rejection(eventBridge({ something: 1 }))).toMatch(/^EventBridge event eb-0001 \(com\.example\.catalog\): no cluster/);
    expect(rejection(eventBridge({ cluster: 42 }))).toMatch(/EventBridge event: detail: cluster/);
    expect(rejection(eventBridge('just a string'))).toMatch(/no cluster/);
  });

  it('rejects a malformed EventBridge envelope', () => {
    expect(rejection(eventBridge({ cluster: 'demo' }, { time: 'yesterday' }))).toMatch(/^EventBridge event: time/);
  });
});

describe('S3 notifications', () => {
  const route = (extra: Partial<SourceRoute> = {}): SourceRoute =>
    ({ type: 's3', bucket: 'demo-config-bucket', cluster: 'demo', ...extra }) as SourceRoute;

  it('URL-decodes the key and builds the event id from bucket, key and sequencer', () => {
    const { events } = parse(s3Notification(s3Record('config/my+file%3A1.json', { versionId: 'v-1' })), config('demo', [route()]));
    expect(events).toEqual([
      {
        eventId: 's3:demo-config-bucket/config/my file:1.json#0055AED6DCD90281E5',
        source: 'aws:s3',
        time: '2026-11-22T02:15:00.000Z',
        cluster: 'demo',
        detail: {
          bucket: 'demo-config-bucket',
          key: 'config/my file:1.json',
          eventName: 'ObjectCreated:Put',
          size: 1024,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          versionId: 'v-1',
          sequencer: '0055AED6DCD90281E5',
        },
      },
    ]);
  });

  it('uses the version id when there is no sequencer, then the message id', () => {
    const versioned = parse(s3Notification(s3Record('a.json', { sequencer: null, versionId: 'v-9' })), config('demo'));
    expect(versioned.events[0]!.eventId).toBe('s3:demo-config-bucket/a.json#v-9');
    const bare = parse(s3Notification(s3Record('a.json', { sequencer: null })), config('demo'), 'msg-s3');
    expect(bare.events[0]!.eventId).toBe('msg-s3');
  });

  it('yields one event per record', () => {
    const { events } = parse(
      s3Notification(s3Record('a.json', { sequencer: '01' }), s3Record('b.json', { sequencer: '02' })),
      config('demo', [route()]),
    );
    expect(events.map((event) => event.eventId)).toEqual(['s3:demo-config-bucket/a.json#01', 's3:demo-config-bucket/b.json#02']);
  });

  it('routes by prefix, suffix and event type', () => {
    const routes = [
      route({ prefix: 'config/', suffix: '.json', events: ['s3:ObjectCreated:*'], cluster: 'demo', topic: 'config' }),
      route({ prefix: 'static/', cluster: 'other' }),
    ];
    const cfg = config('demo,other', routes);
    expect(parse(s3Notification(s3Record('config/app.json')), cfg).events[0]).toMatchObject({ cluster: 'demo', topic: 'config' });
    expect(parse(s3Notification(s3Record('static/logo.png')), cfg).events[0]).toMatchObject({ cluster: 'other' });
    expect(parse(s3Notification(s3Record('static/logo.png')), cfg).events[0]!.topic).toBeUndefined();
    // Wrong suffix, wrong event type, wrong bucket: no route, and two clusters are allowed.
    expect(rejection(s3Notification(s3Record('config/app.yaml')), cfg)).toMatch(/no SOURCE_ROUTES entry .*bucket demo-config-bucket/);
    expect(rejection(s3Notification(s3Record('config/app.json', { eventName: 'ObjectRemoved:Delete' })), cfg)).toMatch(
      /no SOURCE_ROUTES entry/,
    );
    expect(rejection(s3Notification(s3Record('config/app.json', { bucket: 'elsewhere' })), cfg)).toMatch(/bucket elsewhere/);
  });

  it('notifies every matching route (a key routed to two clusters notifies both)', () => {
    const cfg = config('demo,other', [route({ cluster: 'demo', topic: 'a' }), route({ prefix: 'config/', cluster: 'other', topic: 'b' })]);
    const { events } = parse(s3Notification(s3Record('config/app.json')), cfg);
    expect(events.map((event) => [event.cluster, event.topic])).toEqual([
      ['demo', 'a'],
      ['other', 'b'],
    ]);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(1);
  });

  it('falls back to the only allowed cluster when no route matches', () => {
    const { events } = parse(s3Notification(s3Record('anything.bin')), config('demo'));
    expect(events).toHaveLength(1);
    expect(events[0]!.cluster).toBe('demo');
    expect(events[0]!.topic).toBeUndefined();
  });

  it('acknowledges and ignores the s3:TestEvent', () => {
    const result = parse({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-11-22T02:00:00.000Z',
      Bucket: 'demo-config-bucket',
      RequestId: '5582815E1AEA5ADF',
      HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR',
    });
    expect(result.events).toEqual([]);
    expect(result.ignored).toEqual(['s3:TestEvent for bucket demo-config-bucket at 2026-11-22T02:00:00.000Z']);
  });

  it('applies a wrapper cluster without consulting the routes', () => {
    const { events } = parse({ cluster: 'other', topic: 't', event: s3Notification(s3Record('x.json')) }, config('demo,other'));
    expect(events).toMatchObject([{ cluster: 'other', topic: 't', source: 'aws:s3' }]);
  });

  it('accepts an upload from an IPv6 client', () => {
    const ipv6 = { ...s3Record('a.json'), requestParameters: { sourceIPAddress: '2001:db8::10' } };
    expect(parse(s3Notification(ipv6), config('demo')).events).toHaveLength(1);
  });

  it('rejects a record that fails the S3 schema', () => {
    const broken = s3Record('a.json') as Record<string, unknown>;
    delete broken.s3;
    expect(rejection({ Records: [broken] })).toMatch(/^S3 notification: Records\.0\.s3/);
  });

  it('decodes keys the way S3 encodes them', () => {
    expect(decodeS3Key('my+file%3A1.json')).toBe('my file:1.json');
    expect(decodeS3Key('a%2Bb%20c')).toBe('a+b c');
    expect(() => decodeS3Key('bad%E0%A4%A')).toThrow(PermanentError);
  });
});

describe('DynamoDB stream records', () => {
  const routes: SourceRoute[] = [{ type: 'dynamodb', table: 'demo-table', cluster: 'demo', topic: 'settings' }];

  it('reads a raw record as EventBridge Pipes delivers it, with plain JSON images', () => {
    const { events } = parse(dynamoDbRecord(), config('demo,other', routes));
    expect(events).toEqual([
      {
        eventId: 'c4ca4238a0b923820dcc509a6f75849b',
        source: 'aws:dynamodb',
        time: new Date(1795313700 * 1000).toISOString(),
        topic: 'settings',
        cluster: 'demo',
        detail: {
          eventName: 'INSERT',
          tableName: 'demo-table',
          keys: { pk: 'setting#1' },
          newImage: {
            pk: 'setting#1',
            enabled: true,
            version: 7,
            regions: ['eu-west-1', 'us-east-1'],
            big: '12345678901234567890',
          },
          sequenceNumber: '4421584500000000017450439091',
        },
      },
    ]);
    expect(() => JSON.stringify(events)).not.toThrow();
  });

  it('reads a wrapped record with the wrapper cluster and topic', () => {
    const { events } = parse({ cluster: 'other', topic: 'orders', event: dynamoDbRecord('orders') }, config('demo,other'));
    expect(events).toMatchObject([{ cluster: 'other', topic: 'orders', eventId: 'c4ca4238a0b923820dcc509a6f75849b' }]);
  });

  it('rejects a table without a route when several clusters are allowed', () => {
    expect(rejection(dynamoDbRecord('unrouted'), config('demo,other', routes))).toMatch(/no SOURCE_ROUTES entry .*table unrouted/);
  });

  it('falls back to the only allowed cluster', () => {
    expect(parse(dynamoDbRecord('unrouted'), config('demo')).events[0]).toMatchObject({ cluster: 'demo' });
  });

  it('rejects a record that fails the DynamoDB schema', () => {
    expect(rejection({ ...dynamoDbRecord(), eventName: 'UPSERT' }, config('demo'))).toMatch(/^DynamoDB stream record: eventName/);
  });
});

describe('JSON arrays', () => {
  it('parses each element independently, with positional fallback ids', () => {
    const { events } = parse([{ cluster: 'demo' }, eventBridge({ cluster: 'other' }), { cluster: 'demo', eventId: 'own' }], config(), 'm-arr');
    expect(events.map((event) => [event.eventId, event.cluster])).toEqual([
      ['m-arr#0', 'demo'],
      ['eb-0001', 'other'],
      ['own', 'demo'],
    ]);
  });

  it('rejects the whole record when one element is bad, naming the element', () => {
    expect(rejection([{ cluster: 'demo' }, { cluster: 'demo', topic: 5 }])).toMatch(/^\[1\] observer message: topic/);
  });

  it('rejects an empty array', () => {
    expect(rejection([])).toMatch(/empty JSON array/);
  });
});

describe('bad input', () => {
  it.each([
    ['not JSON', '{"cluster": "demo", "topic": ', /body is not JSON/],
    ['no cluster', { topic: 'config' }, /observer message: cluster: no cluster/],
    ['empty object', {}, /no cluster/],
    ['cluster of the wrong type', { cluster: ['demo'] }, /observer message: cluster: Invalid input/],
    ['invalid cluster name', { cluster: 'demo cluster!' }, /cluster: must be an ECS cluster name or cluster ARN/],
    ['services not an array', { cluster: 'demo', services: 'orders-api' }, /observer message: services/],
    ['invalid service name', { cluster: 'demo', services: ['a b'] }, /services\.0: must be an ECS service name/],
    ['empty services', { cluster: 'demo', services: [] }, /services/],
    ['empty topic', { cluster: 'demo', topic: '' }, /topic/],
    ['eventId of the wrong type', { cluster: 'demo', eventId: 7 }, /eventId/],
    ['cluster not allowed', { cluster: 'prod' }, /cluster "prod" is not in ALLOWED_CLUSTERS/],
    ['ARN of an allowed name in another region', { cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/demo' }, /not in ALLOWED_CLUSTERS/],
    ['a number', 42, /unknown message shape/],
    ['a string', '"demo"', /unknown message shape/],
    ['null', 'null', /unknown message shape/],
    ['an unknown wrapped event', { cluster: 'demo', event: { hello: 'world' } }, /observer message: event: unknown event shape/],
  ])('%s is a PermanentError', (_name, body, reason) => {
    expect(rejection(body)).toMatch(reason);
  });

  it('refuses a routed cluster that is not allowed', () => {
    const routes: SourceRoute[] = [{ type: 'dynamodb', table: 'demo-table', cluster: 'prod' }];
    expect(rejection(dynamoDbRecord(), config('demo,other', routes))).toMatch(/cluster "prod" is not in ALLOWED_CLUSTERS/);
  });
});

describe('SOURCE_ROUTES', () => {
  it('parses the documented format', () => {
    const raw =
      '[{"type":"s3","bucket":"b","prefix":"config/","suffix":".json","events":["s3:ObjectCreated:*"],"cluster":"c","topic":"t"},' +
      '{"type":"dynamodb","table":"orders","cluster":"c","topic":"t"}]';
    expect(parseSourceRoutes(raw)).toEqual([
      { type: 's3', bucket: 'b', prefix: 'config/', suffix: '.json', events: ['s3:ObjectCreated:*'], cluster: 'c', topic: 't' },
      { type: 'dynamodb', table: 'orders', cluster: 'c', topic: 't' },
    ]);
    expect(parseSourceRoutes(undefined)).toEqual([]);
    expect(parseSourceRoutes('  ')).toEqual([]);
  });

  it('refuses invalid JSON, unknown fields and bad values with a plain (retryable) Error', () => {
    for (const [raw, reason] of [
      ['[{"type":"s3"', /not valid JSON/],
      ['[{"type":"s3","bucket":"b","cluster":"c","prefx":"x"}]', /prefx/],
      ['[{"type":"sns","topic":"t","cluster":"c"}]', /0\.type/],
      ['[{"type":"s3","bucket":"b","cluster":"c","events":["ObjectCreated:*"]}]', /0\.events\.0/],
      ['{"type":"s3"}', /\(root\)/],
    ] as const) {
      let thrown: unknown;
      try {
        parseSourceRoutes(raw);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect(thrown).not.toBeInstanceOf(PermanentError);
      expect((thrown as Error).message).toMatch(reason);
    }
  });

  it('matches S3 event names against notification patterns', () => {
    expect(s3EventMatches('s3:ObjectCreated:*', 'ObjectCreated:Put')).toBe(true);
    expect(s3EventMatches('s3:ObjectCreated:*', 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(s3EventMatches('s3:ObjectCreated:Put', 'ObjectCreated:Put')).toBe(true);
    expect(s3EventMatches('s3:ObjectCreated:Put', 'ObjectCreated:Copy')).toBe(false);
    expect(s3EventMatches('s3:ObjectRemoved:*', 'ObjectCreated:Put')).toBe(false);
  });

  it('keeps route order and tolerates missing optional filters', () => {
    const routes = parseSourceRoutes('[{"type":"s3","bucket":"b","cluster":"one"},{"type":"s3","bucket":"b","suffix":".json","cluster":"two"}]');
    expect(matchS3Routes(routes, { bucket: 'b', key: 'x.json', eventName: 'ObjectCreated:Put' })).toEqual([
      { cluster: 'one' },
      { cluster: 'two' },
    ]);
  });

  it('reads the table name of a stream ARN', () => {
    expect(tableNameFromArn('arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000')).toBe('orders');
    expect(tableNameFromArn('arn:aws:sqs:eu-west-1:123456789012:q')).toBeUndefined();
  });
});
