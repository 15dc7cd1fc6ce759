import { describe, expect, it } from 'vitest';
import {
  asCounts,
  type ClusterShape,
  clusterScopedMinimum,
  minimumCalls,
  originalDesignCalls,
  serviceScopedMinimum,
} from '../../bench/api-model';

const shape = (overrides: Partial<ClusterShape>): ClusterShape => ({
  id: 'x',
  title: 'x',
  services: 10,
  optedInServices: 10,
  tasksPerService: 10,
  networkMode: 'awsvpc',
  containerInstances: 0,
  ...overrides,
});

describe('minimum API calls', () => {
  it('pages and batches by the documented limits (service-scoped)', () => {
    const model = serviceScopedMinimum(shape({ services: 200, optedInServices: 10, tasksPerService: 150 }), false);
    expect(asCounts(model)).toEqual({
      ListServices: 2,
      DescribeServices: 20,
      DescribeTaskDefinition: 200,
      ListTasks: 20,
      DescribeTasks: 15,
    });
    expect(model.total).toBe(257);
    expect(model.calls.find((c) => c.operation === 'DescribeServices')?.formula).toBe('ceil(S/10) = ceil(200/10) = 20');
  });

  it('reads no task definition when warm', () => {
    expect(asCounts(serviceScopedMinimum(shape({}), true)).DescribeTaskDefinition).toBe(0);
    expect(asCounts(serviceScopedMinimum(shape({ revisionsPerService: 2 }), false)).DescribeTaskDefinition).toBe(20);
  });

  it('resolves bridge addresses through the container instances hosting opted-in tasks, cached when warm', () => {
    const bridge = shape({ services: 50, optedInServices: 50, tasksPerService: 20, networkMode: 'bridge', containerInstances: 25 });
    const counts = asCounts(serviceScopedMinimum(bridge, false));
    expect(counts.DescribeContainerInstances).toBe(1);
    expect(counts.DescribeInstances).toBe(1);
    expect(counts.DescribeTasks).toBe(10);
    const warm = asCounts(minimumCalls(bridge, true));
    expect(warm.DescribeContainerInstances).toBe(0);
    expect(warm.DescribeInstances).toBe(0);
  });

  it('picks the cheaper strategy', () => {
    const allOptIn = shape({ services: 10, optedInServices: 10, tasksPerService: 10 });
    expect(clusterScopedMinimum(allOptIn, false).total).toBe(12);
    expect(serviceScopedMinimum(allOptIn, false).total).toBe(23);
    expect(minimumCalls(allOptIn, false).strategy).toBe('cluster-scoped');
    const fewOptIn = shape({ services: 200, optedInServices: 10, tasksPerService: 10 });
    expect(minimumCalls(fewOptIn, false).strategy).toBe('service-scoped');
  });
});

describe('original design model', () => {
  it('describes every task definition and every container instance per opted-in service', () => {
    const counts = asCounts(
      originalDesignCalls(shape({ services: 50, optedInServices: 50, tasksPerService: 20, networkMode: 'bridge', containerInstances: 25 })),
    );
    expect(counts).toMatchObject({
      DescribeTaskDefinition: 50,
      ListContainerInstances: 50,
      DescribeContainerInstances: 50,
      DescribeInstances: 1_250,
      ListTasks: 50,
      DescribeTasks: 50,
    });
  });

  it('still lists container instances on Fargate, but describes none', () => {
    const counts = asCounts(originalDesignCalls(shape({})));
    expect(counts.ListContainerInstances).toBe(10);
    expect(counts.DescribeContainerInstances).toBe(0);
    expect(counts.DescribeInstances).toBe(0);
  });
});
