import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsApiError, CallCounter } from './aws-error';
import { ec2ErrorXml, type Ec2Api } from './ec2-api';
import type { EcsApi } from './ecs-api';
import type { AwsFault } from './faults';
import type { SqsBroker } from './sqs-broker';

/**
 * The local ECS, EC2 and SQS endpoints: one loopback HTTP server each, speaking the protocols the
 * AWS SDK v3 clients use (ECS awsJson1_1, EC2 query/XML, SQS awsJson1_0). The SDK resolves a
 * client's endpoint once, from `AWS_ENDPOINT_URL_<SERVICE>`, so the servers live as long as the
 * process and each simulation attaches its backends to them for its lifetime.
 */

export interface Backends {
  ecs: EcsApi;
  ec2: Ec2Api;
  sqs: SqsBroker;
  faults: AwsFaultInjector;
  /** `ECS.<Operation>` / `EC2.<Operation>` counts. */
  api: CallCounter;
}

/** Fails matching calls in bursts, as a {@link AwsFault} describes. */
export class AwsFaultInjector {
  private readonly seen: number[];

  public constructor(private readonly faults: readonly AwsFault[]) {
    this.seen = faults.map(() => 0);
  }

  /** Throws the fault's error when this call falls in a burst (every matching fault counts the call). */
  public check(service: AwsFault['service'], operation: string): void {
    let failing: AwsFault | undefined;
    this.faults.forEach((fault, index) => {
      if (fault.service !== service || (fault.operation !== undefined && fault.operation !== operation)) return;
      const n = ++this.seen[index]!;
      if (n > fault.after && n <= fault.after + fault.count) failing ??= fault;
    });
    if (failing) throw faultError(service, failing.kind);
  }
}

const faultError = (service: AwsFault['service'], kind: AwsFault['kind']): AwsApiError => {
  if (kind === 'throttle') {
    return service === 'EC2'
      ? new AwsApiError('RequestLimitExceeded', 'Request limit exceeded.', 503)
      : new AwsApiError('ThrottlingException', 'Rate exceeded', 400);
  }
  if (service === 'ECS') return new AwsApiError('ServerException', 'Service unavailable. Please try again later.', 500);
  return new AwsApiError('InternalError', 'An internal error has occurred.', 500);
};

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

const sendJson = (response: ServerResponse, status: number, contentType: string, body: unknown, headers: Record<string, string> = {}): void => {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID(), ...headers });
  response.end(text);
};

export class LocalEndpoints {
  private backends: Backends | undefined;

  private constructor(
    private readonly servers: Server[],
    public readonly ecsUrl: string,
    public readonly ec2Url: string,
    public readonly sqsUrl: string,
  ) {}

  /** Starts the three servers on 127.0.0.1, ports chosen by the OS. */
  public static async start(): Promise<LocalEndpoints> {
    const box: { endpoints?: LocalEndpoints } = {};
    const route = (handler: (backends: Backends, request: IncomingMessage, body: string, response: ServerResponse) => void) =>
      createServer((request, response) => {
        readBody(request)
          .then((body) => {
            const backends = box.endpoints?.backends;
            if (!backends) {
              response.writeHead(503).end('no simulation attached');
              return;
            }
            handler(backends, request, body, response);
          })
          .catch(() => response.destroy());
      });
    const servers = [route(handleEcs), route(handleEc2), route(handleSqs)];
    const urls: string[] = [];
    for (const server of servers) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      server.unref();
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
    const endpoints = new LocalEndpoints(servers, urls[0]!, urls[1]!, urls[2]!);
    box.endpoints = endpoints;
    return endpoints;
  }

  /** Serves `backends` until {@link detach}; one simulation at a time. */
  public attach(backends: Backends): void {
    if (this.backends) throw new Error('Another simulation is running in this process; close it first');
    this.backends = backends;
  }

  public detach(): void {
    this.backends = undefined;
  }

  public async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }
}

const handleEcs = (backends: Backends, request: IncomingMessage, body: string, response: ServerResponse): void => {
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = target.startsWith('AmazonEC2ContainerServiceV20141113.') ? target.slice(target.indexOf('.') + 1) : '';
  const contentType = 'application/x-amz-json-1.1';
  backends.api.add(`ECS.${operation || 'Unknown'}`);
  try {
    backends.faults.check('ECS', operation);
    const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    sendJson(response, 200, contentType, backends.ecs.handle(operation, input));
  } catch (error) {
    const apiError = error instanceof AwsApiError ? error : new AwsApiError('ServerException', String(error), 500);
    sendJson(response, apiError.status, contentType, { __type: apiError.code, message: apiError.message }, { 'x-amzn-errortype': apiError.code });
  }
};

const handleEc2 = (backends: Backends, _request: IncomingMessage, body: string, response: ServerResponse): void => {
  const params = new URLSearchParams(body);
  const action = params.get('Action') ?? '';
  backends.api.add(`EC2.${action || 'Unknown'}`);
  let status = 200;
  let xml: string;
  try {
    backends.faults.check('EC2', action);
    xml = backends.ec2.handle(action, params);
  } catch (error) {
    const apiError = error instanceof AwsApiError ? error : new AwsApiError('InternalError', String(error), 500);
    status = apiError.status;
    xml = ec2ErrorXml(apiError.code, apiError.message);
  }
  response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'content-length': Buffer.byteLength(xml) });
  response.end(xml);
};

const handleSqs = (backends: Backends, request: IncomingMessage, body: string, response: ServerResponse): void => {
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
  const contentType = 'application/x-amz-json-1.0';
  backends.sqs.counter.add(operation || 'Unknown');
  try {
    backends.faults.check('SQS', operation);
    const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    sendJson(response, 200, contentType, backends.sqs.handle(operation, input));
  } catch (error) {
    const apiError = error instanceof AwsApiError ? error : new AwsApiError('InternalError', String(error), 500);
    const shortCode = apiError.code.replace(/^AWS\.SimpleQueueService\./, '');
    sendJson(
      response,
      apiError.status,
      contentType,
      { __type: `com.amazonaws.sqs#${shortCode}`, message: apiError.message },
      { 'x-amzn-query-error': `${apiError.code};${apiError.status >= 500 ? 'Receiver' : 'Sender'}` },
    );
  }
};

let shared: Promise<LocalEndpoints> | undefined;

/** The process-wide endpoints (started on first use). */
export const sharedEndpoints = (): Promise<LocalEndpoints> => (shared ??= LocalEndpoints.start());

export { CallCounter };
