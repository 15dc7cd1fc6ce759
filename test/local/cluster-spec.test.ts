import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCluster, loadClusterFile, parseClusterSpec } from '../../bin/local/index';
import { buildCluster } from '../../bin/local/world';

describe('cluster files', () => {
  it('ships a demo cluster with every network mode, a rolling deployment, services that do not opt in and tasks not RUNNING', async () => {
    const spec = await loadClusterFile(join(__dirname, '..', '..', 'bin', 'local', 'clusters', 'demo.json'));
    expect(spec.name).toBe('demo');
    expect(new Set(spec.taskDefinitions.map((td) => td.networkMode))).toEqual(new Set(['awsvpc', 'bridge', 'host']));
    expect(spec.services.some((service) => service.deployments.length >= 2)).toBe(true);
    expect(spec.sourceRoutes).toEqual(
      expect.arrayContaining([expect.objectContaining({ bucket: 'demo-config-bucket' }), expect.objectContaining({ table: 'demo-table' })]),
    );
    const cluster = buildCluster(spec);
    const tasks = [...cluster.tasks.values()];
    expect(tasks.some((task) => task.lastStatus !== 'RUNNING')).toBe(true);
    const optedOut = spec.taskDefinitions.filter((td) => td.containers.every((container) => !('NOTIFY_ME_API_URI' in container.dockerLabels)));
    expect(optedOut.length).toBeGreaterThan(0);
  });

  it('names what is wrong in a bad file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cluster-'));
    writeFileSync(join(dir, 'bad.json'), '{"name": ');
    await expect(loadClusterFile(join(dir, 'bad.json'))).rejects.toThrow(/not JSON/);
    expect(() => parseClusterSpec({ name: 'x', taskDefinitions: [], services: [{ name: 's', deployments: [{ taskDefinition: 'nope:1' }] }] })).toThrow(
      /runs unknown task definition nope:1/,
    );
    expect(() => parseClusterSpec({ name: 'bad name' })).toThrow(/name/);
  });

  it('refuses bridge tasks without container instances and host ports that cannot be placed', () => {
    expect(() => buildCluster(generateCluster({ services: 1, tasksPerService: 1, networkMode: 'bridge', containerInstances: 0 }))).toThrow(/no containerInstances/);
    expect(() => buildCluster(generateCluster({ services: 1, tasksPerService: 3, networkMode: 'host', containerInstances: 2 }))).toThrow(/host ports/);
  });
});

describe('generateCluster', () => {
  it('builds the benchmark shapes', () => {
    const mixed = generateCluster({ services: 200, tasksPerService: 2, networkMode: 'awsvpc', optedInServices: 10 });
    expect(mixed.services).toHaveLength(200);
    const labelled = mixed.taskDefinitions.filter((td) => td.containers.some((container) => container.dockerLabels.NOTIFY_ME_API_URI));
    expect(labelled.map((td) => td.family)).toEqual(Array.from({ length: 10 }, (_, index) => `svc-${String(index + 1).padStart(3, '0')}`));

    const bridge = buildCluster(generateCluster({ services: 50, tasksPerService: 20, networkMode: 'bridge', containerInstances: 25 }));
    expect(bridge.tasks.size).toBe(1_000);
    expect(bridge.containerInstances).toHaveLength(25);
    const perInstance = new Map<string, number>();
    for (const task of bridge.tasks.values()) perInstance.set(task.containerInstance!.arn, (perInstance.get(task.containerInstance!.arn) ?? 0) + 1);
    expect([...perInstance.values()].every((count) => count === 40)).toBe(true);

    const ratio = generateCluster({ services: 10, tasksPerService: 1, networkMode: 'host', optInRatio: 0.3, topics: 'config', labelledContainersPerTask: 2 });
    const optedIn = ratio.taskDefinitions.filter((td) => td.containers[0]!.dockerLabels.NOTIFY_ME_TOPICS === 'config');
    expect(optedIn).toHaveLength(3);
    expect(optedIn[0]!.containers.map((container) => container.dockerLabels.NOTIFY_ME_CONTAINER_PORT)).toEqual(['8080', '8081']);
  });

  it('gives every task its own ARN and awsvpc tasks their own ENI', () => {
    const cluster = buildCluster(generateCluster({ services: 2, tasksPerService: 5, networkMode: 'awsvpc' }));
    const tasks = [...cluster.tasks.values()];
    expect(new Set(tasks.map((task) => task.arn)).size).toBe(10);
    expect(tasks.every((task) => /^arn:aws:ecs:eu-west-1:\d{12}:task\/demo\/[0-9a-f]{32}$/.test(task.arn) && task.eniId)).toBe(true);
  });
});
