import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskFault } from '../../bin/local/faults';
import { generateCluster } from '../../bin/local/generate';
import { TaskListeners } from '../../bin/local/task-listeners';
import { buildCluster, type SimCluster, type SimTask } from '../../bin/local/world';

/** The simulated tasks: real listeners on loopback addresses, recording what they receive. */

let listeners: TaskListeners | undefined;
afterEach(async () => {
  await listeners?.close();
  listeners = undefined;
});

const start = async (cluster: SimCluster, faults: TaskFault[] = []): Promise<TaskListeners> => {
  listeners = new TaskListeners(cluster, faults);
  await listeners.start();
  return listeners;
};

/** POSTs to a task's first container; resolves to the status, or the error code. */
const post = (task: SimTask, body: unknown, timeoutMs = 2_000): Promise<number | string> =>
  new Promise((resolve) => {
    const req = request(
      { host: task.address, port: task.containers[0]!.hostPort, path: '/notify', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-notify-event-id': 'e-1' }, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end(JSON.stringify(body));
  });

const tasksOf = (cluster: SimCluster): SimTask[] => [...cluster.tasks.values()];

describe('addresses', () => {
  it('gives every awsvpc task its own loopback address on the container port', async () => {
    const cluster = buildCluster(generateCluster({ services: 2, tasksPerService: 3, networkMode: 'awsvpc' }));
    await start(cluster);
    const tasks = tasksOf(cluster);
    expect(new Set(tasks.map((task) => task.address)).size).toBe(6);
    for (const task of tasks) {
      expect(task.address).toMatch(/^127\.1\d\.\d{1,3}\.\d{1,3}$/);
      expect(task.containers[0]!.hostPort).toBe(8080);
    }
    expect(listeners!.listening).toBe(6);
  });

  it('puts bridge tasks on their instance address with distinct dynamic host ports, host tasks on the container port', async () => {
    const bridge = buildCluster(generateCluster({ services: 2, tasksPerService: 4, networkMode: 'bridge', containerInstances: 2 }));
    await start(bridge);
    const tasks = tasksOf(bridge);
    expect(new Set(tasks.map((task) => task.address))).toEqual(new Set(bridge.containerInstances.map((instance) => instance.address)));
    for (const task of tasks) {
      expect(task.address).toBe(task.containerInstance!.address);
      expect(task.address).toMatch(/^127\.2\d\./);
      expect(task.containers[0]!.hostPort).toBeGreaterThanOrEqual(32_768);
      expect(task.containers[0]!.hostPort).toBeLessThanOrEqual(60_999);
    }
    expect(new Set(tasks.map((task) => `${task.address}:${task.containers[0]!.hostPort}`)).size).toBe(8);
    await listeners!.close();

    const host = buildCluster(generateCluster({ services: 1, tasksPerService: 3, networkMode: 'host', containerInstances: 3 }));
    await start(host);
    for (const task of tasksOf(host)) expect(task.containers[0]!.hostPort).toBe(8080);
    expect(new Set(tasksOf(host).map((task) => task.address)).size).toBe(3);
  });
});

describe('behaviour', () => {
  it('records each request with headers and JSON body, and answers 200', async () => {
    const cluster = buildCluster(generateCluster({ services: 1, tasksPerService: 1, networkMode: 'awsvpc' }));
    await start(cluster);
    const [task] = tasksOf(cluster);
    await expect(post(task!, { eventId: 'e-1' })).resolves.toBe(200);
    expect(listeners!.received).toEqual([
      expect.objectContaining({ task, container: 'app', method: 'POST', path: '/notify', body: { eventId: 'e-1' }, status: 200, headers: expect.objectContaining({ 'x-notify-event-id': 'e-1' }) }),
    ]);
  });

  it('answers a faulty status the given number of times, then 200', async () => {
    const cluster = buildCluster(generateCluster({ services: 1, tasksPerService: 2, networkMode: 'awsvpc' }));
    await start(cluster, [{ service: 'svc-001', task: 1, behaviour: { kind: 'status', status: 503, times: 2 } }]);
    const [healthy, faulty] = tasksOf(cluster);
    expect([await post(faulty!, {}), await post(faulty!, {}), await post(faulty!, {})]).toEqual([503, 503, 200]);
    expect(await post(healthy!, {})).toBe(200);
  });

  it('records a slow answer the caller gave up on as status 0, and refuses when nothing listens', async () => {
    const cluster = buildCluster(generateCluster({ services: 2, tasksPerService: 1, networkMode: 'awsvpc' }));
    await start(cluster, [
      { service: 'svc-001', behaviour: { kind: 'slow', delayMs: 300 } },
      { service: 'svc-002', behaviour: { kind: 'refuse' } },
    ]);
    const [slow, refused] = tasksOf(cluster);
    await expect(post(slow!, {}, 100)).resolves.toBe('TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(listeners!.received.map((received) => received.status)).toEqual([0]);
    await expect(post(refused!, {})).resolves.toBe('ECONNREFUSED');
  });

  it('stops a task after DescribeTasks reported it: the listener closes and the task is STOPPED', async () => {
    const cluster = buildCluster(generateCluster({ services: 1, tasksPerService: 2, networkMode: 'awsvpc' }));
    await start(cluster, [{ service: 'svc-001', task: 0, behaviour: { kind: 'stop-after-discovery' } }]);
    const [stopping, other] = tasksOf(cluster);
    await expect(post(stopping!, {})).resolves.toBe(200);
    listeners!.afterDescribe([stopping!, other!]);
    expect(stopping!.lastStatus).toBe('STOPPED');
    expect(other!.lastStatus).toBe('RUNNING');
    await expect(post(stopping!, {})).resolves.toBe('ECONNREFUSED');
    await expect(post(other!, {})).resolves.toBe(200);
  });
});
