import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseClusterSpec, type ClusterSpec, type NetworkModeSpec, type ReplayReport } from '../../bin/local/index';

/** The sample events shipped in events/, by file name. */
export const EVENTS_DIR = join(__dirname, '..', '..', 'events');
export const sampleEvent = (file: string): string => readFileSync(join(EVENTS_DIR, file), 'utf8');
export const sampleEventFiles = (): string[] => readdirSync(EVENTS_DIR).filter((file) => file.endsWith('.json')).sort();

const labels = (port: number, uri: string, topics?: string): Record<string, string> => ({
  NOTIFY_ME_CONTAINER_PORT: String(port),
  NOTIFY_ME_API_URI: uri,
  ...(topics === undefined ? {} : { NOTIFY_ME_TOPICS: topics }),
});

/**
 * The demo's shape with every task definition in one network mode: a rolling deployment with two
 * revisions and a PENDING task (orders-api), a plain service (billing-worker), two labelled
 * containers one of which filters topics (search-indexer, with a STOPPED task), a topic-filtered
 * service (cache-edge), a service that does not opt in and one with only the port label.
 */
export const clusterFor = (networkMode: NetworkModeSpec): ClusterSpec =>
  parseClusterSpec({
    name: 'demo',
    containerInstances: networkMode === 'awsvpc' ? 0 : 4,
    sourceRoutes: [
      { type: 's3', bucket: 'demo-config-bucket', cluster: 'demo' },
      { type: 'dynamodb', table: 'demo-table', cluster: 'demo' },
    ],
    taskDefinitions: [
      { family: 'orders-api', revision: 1, networkMode, containers: [{ name: 'app', containerPort: 8080, dockerLabels: labels(8080, '/internal/notify') }] },
      {
        family: 'orders-api',
        revision: 2,
        networkMode,
        containers: [
          { name: 'app', containerPort: 8080, dockerLabels: labels(8080, '/internal/notify') },
          { name: 'envoy', containerPort: 9901, dockerLabels: {} },
        ],
      },
      { family: 'billing-worker', revision: 5, networkMode, containers: [{ name: 'worker', containerPort: 8081, dockerLabels: labels(8081, '/notify') }] },
      {
        family: 'search-indexer',
        revision: 1,
        networkMode,
        containers: [
          { name: 'api', containerPort: 8082, dockerLabels: labels(8082, '/notify') },
          { name: 'indexer', containerPort: 8090, dockerLabels: labels(8090, '/reindex', 'config, schema') },
        ],
      },
      { family: 'cache-edge', revision: 3, networkMode, containers: [{ name: 'edge', containerPort: 9090, dockerLabels: labels(9090, '/hooks/refresh?x=1', 'cache') }] },
      { family: 'metrics-agent', revision: 1, networkMode, containers: [{ name: 'agent', containerPort: 9100, dockerLabels: { team: 'platform' } }] },
      { family: 'half-labelled', revision: 1, networkMode, containers: [{ name: 'admin', containerPort: 8083, dockerLabels: { NOTIFY_ME_CONTAINER_PORT: '8083' } }] },
    ],
    services: [
      {
        name: 'orders-api',
        deployments: [
          { taskDefinition: 'orders-api:2', status: 'PRIMARY', running: 2, pending: 1 },
          { taskDefinition: 'orders-api:1', status: 'ACTIVE', running: 1 },
        ],
      },
      { name: 'billing-worker', deployments: [{ taskDefinition: 'billing-worker:5', running: 2 }] },
      { name: 'search-indexer', deployments: [{ taskDefinition: 'search-indexer:1', running: 2, stopped: 1 }] },
      { name: 'cache-edge', deployments: [{ taskDefinition: 'cache-edge:3', running: 2 }] },
      { name: 'metrics-agent', deployments: [{ taskDefinition: 'metrics-agent:1', running: 2 }] },
      { name: 'half-labelled', deployments: [{ taskDefinition: 'half-labelled:1', running: 1 }] },
    ],
  });

/** Successful (2xx) POSTs per `service/container`, for the events whose body `source` is `source`. */
export const successesBySource = (report: ReplayReport): Map<string, Record<string, number>> => {
  const result = new Map<string, Record<string, number>>();
  for (const service of report.services) {
    for (const task of service.tasks) {
      for (const target of task.targets) {
        for (const delivery of target.deliveries) {
          if (delivery.status < 200 || delivery.status >= 300) continue;
          const source = String((delivery.body as { source?: unknown }).source);
          const counts = result.get(source) ?? {};
          const key = `${service.name}/${target.container}`;
          counts[key] = (counts[key] ?? 0) + 1;
          result.set(source, counts);
        }
      }
    }
  }
  return result;
};

/** Successful POSTs per (event id, task ARN, container): every value must be 1. */
export const successesPerTarget = (report: ReplayReport): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const task of report.services.flatMap((service) => service.tasks)) {
    for (const target of task.targets) {
      for (const delivery of target.deliveries) {
        if (delivery.status < 200 || delivery.status >= 300) continue;
        const key = `${delivery.eventId}|${task.taskArn}|${target.container}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return counts;
};

/** Every target of RUNNING tasks of the opted-in services, with what it received. */
export const runningTargets = (report: ReplayReport) =>
  report.services.flatMap((service) =>
    service.tasks
      .filter((task) => task.lastStatus === 'RUNNING')
      .flatMap((task) => task.targets.map((target) => ({ service: service.name, task, target }))),
  );
