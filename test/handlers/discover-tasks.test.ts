import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  ClusterNotFoundException,
  DescribeContainerInstancesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  ServiceNotFoundException,
  type Task,
} from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { discoverTaskMessages, isNotifiableTask, type TaskDiscoveryDeps } from '../../handlers/discover-tasks';
import { PermanentError, TransientError } from '../../handlers/errors';
import { DEFAULT_LABELS } from '../../handlers/constants';
import { ContainerInstanceIpCache, targetAddress } from '../../handlers/task-addresses';
import { TaskDefinitionCache } from '../../handlers/task-definitions';
import {
  CLUSTER,
  containerInstanceArn,
  labelledContainerDefinition,
  serviceMessage,
  SERVICE,
  task,
  taskArn,
  taskDefinition,
  taskDefinitionArn,
  targetsOf,
} from '../fixtures/tasks';

const ecsMock = mockClient(ECSClient);
const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);

const TD1 = taskDefinitionArn('orders', 1);
const TD2 = taskDefinitionArn('orders', 2);
const APP = { container: 'app', port: 8080, uri: '/notify' };

let deps: TaskDiscoveryDeps;

beforeEach(() => {
  ecsMock.reset();
  ec2Mock.reset();
  sqsMock.reset();
  deps = {
    clients: { ecs: new ECSClient({}), ec2: new EC2Client({}), sqs: new SQSClient({}) },
    labels: { ...DEFAULT_LABELS },
    taskDefinitions: new TaskDefinitionCache(),
    instanceIps: new ContainerInstanceIpCache(),
    log: new Logger({ logLevel: 'SILENT' }),
  };
});

/** ListTasks answers `tasks`' ARNs on one page; DescribeTasks answers the requested ones. */
const serveTasks = (tasks: Task[]): void => {
  ecsMock.on(ListTasksCommand).resolves({ taskArns: tasks.map((item) => item.taskArn!) });
  ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
    tasks: tasks.filter((item) => input.tasks.includes(item.taskArn!)),
    failures: [],
  }));
};

/** Container instances ci-N run on EC2 instances i-N with private IP `ips[N]`. */
const serveInstances = (ips: Record<string, string>): void => {
  ecsMock.on(DescribeContainerInstancesCommand).callsFake((input: { containerInstances: string[] }) => ({
    containerInstances: input.containerInstances.map((arn) => ({
      containerInstanceArn: arn,
      ec2InstanceId: `i-${arn.split('/').pop()}`,
      status: 'ACTIVE',
    })),
    failures: [],
  }));
  ec2Mock.on(DescribeInstancesCommand).callsFake((input: { InstanceIds: string[] }) => ({
    Reservations: [
      {
        Instances: input.InstanceIds.map((id) => ({ InstanceId: id, PrivateIpAddress: ips[id.replace(/^i-/, '')] })),
      },
    ],
  }));
};

describe('addressing by network mode', () => {
  it('awsvpc: the ENI private IP and the label port', async () => {
    serveTasks([task({ id: 't1', definitionArn: TD1, eniIp: '10.0.1.15', containers: [{ name: 'app' }] })]);
    const { messages, tasksFound } = await discoverTaskMessages(serviceMessage([targetsOf(TD1, 'awsvpc', [APP])]), deps);
    expect(tasksFound).toBe(1);
    expect(messages).toEqual([
      expect.objectContaining({ taskArn: taskArn('t1'), container: 'app', host: '10.0.1.15', port: 8080, uri: '/notify', eventId: 'evt-1' }),
    ]);
    expect(messages[0]!.detail).toEqual({ orderId: 42 });
    expect(ecsMock.commandCalls(DescribeContainerInstancesCommand)).toHaveLength(0);
  });

  it('bridge: the dynamic host port bound to the label port, on the instance IP', async () => {
    serveTasks([
      task({ id: 't1', definitionArn: TD1, containerInstance: 'ci1', containers: [{ name: 'app', bindings: [{ containerPort: 8080, hostPort: 32768 }] }] }),
      task({ id: 't2', definitionArn: TD1, containerInstance: 'ci1', containers: [{ name: 'app', bindings: [{ containerPort: 9000, hostPort: 32770 }, { containerPort: 8080, hostPort: 32771 }] }] }),
    ]);
    serveInstances({ ci1: '10.0.2.7' });
    const { messages } = await discoverTaskMessages(serviceMessage([targetsOf(TD1, 'bridge', [APP])]), deps);
    expect(messages.map((item) => [item.taskArn, item.host, item.port])).toEqual([
      [taskArn('t1'), '10.0.2.7', 32768],
      [taskArn('t2'), '10.0.2.7', 32771],
    ]);
  });

  it('host: the instance IP and the label port', async () => {
    serveTasks([task({ id: 't1', definitionArn: TD1, containerInstance: 'ci1', containers: [{ name: 'app' }] })]);
    serveInstances({ ci1: '10.0.2.8' });
    const { messages } = await discoverTaskMessages(serviceMessage([targetsOf(TD1, 'host', [APP])]), deps);
    expect(messages.map((item) => [item.host, item.port])).toEqual([['10.0.2.8', 8080]]);
  });

  it('skips targets without an address yet: PROVISIONING ENI, no binding, instance without IP', async () => {
    const noEni = task({ id: 't1', definitionArn: TD1, containers: [{ name: 'app' }] });
    expect(targetAddress(noEni, 'awsvpc', APP, undefined)).toEqual({ skipped: expect.stringContaining('ENI') });
    const noBinding = task({ id: 't2', definitionArn: TD1, containerInstance: 'ci1', containers: [{ name: 'app' }] });
    expect(targetAddress(noBinding, 'bridge', APP, '10.0.0.1')).toEqual({ skipped: expect.stringContaining('binding') });
    expect(targetAddress(noBinding, 'host', APP, undefined)).toEqual({ skipped: expect.stringContaining('private IP') });
    expect(targetAddress(noBinding, 'none', APP, '10.0.0.1')).toHaveProperty('skipped');

    serveTasks([noEni, task({ id: 't3', definitionArn: TD1, eniIp: '10.0.1.3', containers: [{ name: 'app' }] })]);
    const { messages, tasksFound } = await discoverTaskMessages(serviceMessage([targetsOf(TD1, 'awsvpc', [APP])]), deps);
    expect(tasksFound).toBe(2);
    expect(messages.map((item) => item.taskArn)).toEqual([taskArn('t3')]);
  });
});

describe('which tasks and targets', () => {
  it('notifies UNKNOWN and HEALTHY tasks, skips UNHEALTHY tasks and UNHEALTHY target containers', async () => {
    const td = targetsOf(TD1, 'awsvpc', [APP, { container: 'sidecar', port: 9090, uri: '/hook' }]);
    serveTasks([
      task({ id: 'unknown', definitionArn: TD1, eniIp: '10.0.0.1', healthStatus: 'UNKNOWN', containers: [{ name: 'app' }, { name: 'sidecar' }] }),
      task({ id: 'healthy', definitionArn: TD1, eniIp: '10.0.0.2', healthStatus: 'HEALTHY', containers: [{ name: 'app', healthStatus: 'HEALTHY' }, { name: 'sidecar', healthStatus: 'UNHEALTHY' }] }),
      task({ id: 'sick', definitionArn: TD1, eniIp: '10.0.0.3', healthStatus: 'UNHEALTHY', containers: [{ name: 'app' }, { name: 'sidecar' }] }),
    ]);
    const { messages } = await discoverTaskMessages(serviceMessage([td]), deps);
    expect(messages.map((item) => `${item.taskArn.split('/').pop()}/${item.container}`)).toEqual([
      'unknown/app',
      'unknown/sidecar',
      'healthy/app',
    ]);
  });

  it('one message per labelled container of a multi-container task', async () => {
    const td = targetsOf(TD1, 'awsvpc', [APP, { container: 'worker', port: 7000, uri: '/events?x=1' }]);
    serveTasks([task({ id: 't1', definitionArn: TD1, eniIp: '10.0.0.9', containers: [{ name: 'app' }, { name: 'worker' }, { name: 'envoy' }] })]);
    const { messages } = await discoverTaskMessages(serviceMessage([td]), deps);
    expect(messages.map((item) => [item.container, item.port, item.uri])).toEqual([
      ['app', 8080, '/notify'],
      ['worker', 7000, '/events?x=1'],
    ]);
  });

  it('keeps only RUNNING tasks of this service', () => {
    const base = { id: 'x', definitionArn: TD1, eniIp: '10.0.0.1', containers: [{ name: 'app' }] };
    expect(isNotifiableTask(task(base), SERVICE)).toBe(true);
    expect(isNotifiableTask(task({ ...base, lastStatus: 'PROVISIONING' }), SERVICE)).toBe(false);
    expect(isNotifiableTask(task({ ...base, lastStatus: 'DEACTIVATING' }), SERVICE)).toBe(false);
    expect(isNotifiableTask(task({ ...base, group: 'family:orders' }), SERVICE)).toBe(false);
    expect(isNotifiableTask(task({ ...base, group: 'service:orders-canary' }), SERVICE)).toBe(false);
  });

  it('rolling deployment: each task uses its own revision; a revision missing from the message is described once', async () => {
    const td3 = taskDefinitionArn('orders', 3);
    serveTasks([
      task({ id: 'old', definitionArn: TD1, eniIp: '10.0.0.1', containers: [{ name: 'app' }] }),
      task({ id: 'new', definitionArn: TD2, eniIp: '10.0.0.2', containers: [{ name: 'app' }] }),
      task({ id: 'newer-a', definitionArn: td3, eniIp: '10.0.0.3', containers: [{ name: 'app' }, { name: 'skip-topic' }] }),
      task({ id: 'newer-b', definitionArn: td3, eniIp: '10.0.0.4', containers: [{ name: 'app' }, { name: 'skip-topic' }] }),
    ]);
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: taskDefinition(td3, 'awsvpc', [
        labelledContainerDefinition('app', 8443, '/v3/notify'),
        labelledContainerDefinition('skip-topic', 9000, '/other', { NOTIFY_ME_TOPICS: 'billing' }),
      ]),
    });
    const message = serviceMessage(
      [targetsOf(TD1, 'awsvpc', [{ container: 'app', port: 8080, uri: '/v1/notify' }]), targetsOf(TD2, 'awsvpc', [{ container: 'app', port: 8081, uri: '/v2/notify' }])],
      { topic: 'orders' },
    );
    const { messages } = await discoverTaskMessages(message, deps);
    expect(messages.map((item) => [item.taskArn.split('/').pop(), item.port, item.uri])).toEqual([
      ['old', 8080, '/v1/notify'],
      ['new', 8081, '/v2/notify'],
      ['newer-a', 8443, '/v3/notify'],
      ['newer-b', 8443, '/v3/notify'],
    ]);
    const described = ecsMock.commandCalls(DescribeTaskDefinitionCommand);
    expect(described).toHaveLength(1);
    expect(described[0]!.args[0].input).toEqual({ taskDefinition: td3 });

    // Warm invocation: the revision is cached.
    await discoverTaskMessages(message, deps);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
  });
});

describe('ECS and EC2 calls', () => {
  it('paginates ListTasks (100 a page) and describes tasks in chunks of 100', async () => {
    const all = Array.from({ length: 250 }, (_, index) =>
      task({ id: `t${index}`, definitionArn: TD1, eniIp: `10.0.${Math.floor(index / 200)}.${index % 200}`, containers: [{ name: 'app' }] }),
    );
    const arns = all.map((item) => item.taskArn!);
    ecsMock
      .on(ListTasksCommand)
      .callsFake((input: { nextToken?: string; maxResults?: number }) => {
        const start = input.nextToken ? Number(input.nextToken) : 0;
        const end = start + (input.maxResults ?? 100);
        return { taskArns: arns.slice(start, end), ...(end < arns.length ? { nextToken: String(end) } : {}) };
      });
    ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
      tasks: all.filter((item) => input.tasks.includes(item.taskArn!)),
    }));
    const { messages, tasksFound } = await discoverTaskMessages(serviceMessage([targetsOf(TD1, 'awsvpc', [APP])]), deps);
    expect(tasksFound).toBe(250);
    expect(new Set(messages.map((item) => item.taskArn)).size).toBe(250);

    const lists = ecsMock.commandCalls(ListTasksCommand).map((call) => call.args[0].input);
    expect(lists).toHaveLength(3);
    for (const input of lists) {
      expect(input).toMatchObject({ cluster: CLUSTER, serviceName: SERVICE, desiredStatus: 'RUNNING', maxResults: 100 });
    }
    const describes = ecsMock.commandCalls(DescribeTasksCommand).map((call) => call.args[0].input.tasks!.length);
    expect(describes).toEqual([100, 100, 50]);
  });

  it('looks up each container instance once and EC2 once per instance, across tasks and invocations', async () => {
    const tasks = [
      task({ id: 'a', definitionArn: TD1, containerInstance: 'ci1', containers: [{ name: 'app' }] }),
      task({ id: 'b', definitionArn: TD1, containerInstance: 'ci1', containers: [{ name: 'app' }] }),
      task({ id: 'c', definitionArn: TD1, containerInstance: 'ci2', containers: [{ name: 'app' }] }),
    ];
    serveTasks(tasks);
    serveInstances({ ci1: '10.0.3.1', ci2: '10.0.3.2' });
    const message = serviceMessage([targetsOf(TD1, 'host', [APP])]);
    const { messages } = await discoverTaskMessages(message, deps);
    expect(messages.map((item) => item.host)).toEqual(['10.0.3.1', '10.0.3.1', '10.0.3.2']);

    const ci = ecsMock.commandCalls(DescribeContainerInstancesCommand);
    expect(ci).toHaveLength(1);
    expect(ci[0]!.args[0].input).toEqual({ cluster: CLUSTER, containerInstances: [containerInstanceArn('ci1'), containerInstanceArn('ci2')] });
    const ec2 = ec2Mock.commandCalls(DescribeInstancesCommand);
    expect(ec2).toHaveLength(1);
    expect(ec2[0]!.args[0].input.InstanceIds).toEqual(['i-ci1', 'i-ci2']);

    await discoverTaskMessages(message, deps);
    expect(ecsMock.commandCalls(DescribeContainerInstancesCommand)).toHaveLength(1);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });

  it('chunks DescribeContainerInstances at 100', async () => {
    const tasks = Array.from({ length: 150 }, (_, index) =>
      task({ id: `t${index}`, definitionArn: TD1, containerInstance: `ci${index}`, containers: [{ name: 'app' }] }),
    );
    serveTasks(tasks);
    serveInstances(Object.fromEntries(tasks.map((_, index) => [`ci${index}`, `10.1.${Math.floor(index / 100)}.${index % 100}`])));
    const { messages } = await discoverTaskMessages(serviceMessage([targetsOf(TD1, 'host', [APP])]), deps);
    expect(messages).toHaveLength(150);
    expect(ecsMock.commandCalls(DescribeContainerInstancesCommand).map((call) => call.args[0].input.containerInstances!.length)).toEqual([100, 50]);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand).map((call) => call.args[0].input.InstanceIds!.length)).toEqual([100, 50]);
  });

  it('DescribeTasks failures: MISSING is skipped, any other reason is a transient error', async () => {
    const alive = task({ id: 'alive', definitionArn: TD1, eniIp: '10.0.0.1', containers: [{ name: 'app' }] });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [alive.taskArn!, taskArn('gone')] });
    ecsMock.on(DescribeTasksCommand).resolvesOnce({ tasks: [alive], failures: [{ arn: taskArn('gone'), reason: 'MISSING' }] });
    const { messages } = await discoverTaskMessages(serviceMessage([targetsOf(TD1, 'awsvpc', [APP])]), deps);
    expect(messages.map((item) => item.taskArn)).toEqual([alive.taskArn]);

    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [alive], failures: [{ arn: taskArn('gone'), reason: 'INTERNAL_ERROR', detail: 'try again' }] });
    await expect(discoverTaskMessages(serviceMessage([targetsOf(TD1, 'awsvpc', [APP])]), deps)).rejects.toThrow(TransientError);
  });

  it('a deleted service has no tasks; a missing cluster is permanent', async () => {
    ecsMock.on(ListTasksCommand).rejectsOnce(new ServiceNotFoundException({ message: 'Service not found.', $metadata: {} }));
    await expect(discoverTaskMessages(serviceMessage([targetsOf(TD1, 'awsvpc', [APP])]), deps)).resolves.toEqual({ messages: [], tasksFound: 0 });
    ecsMock.on(ListTasksCommand).rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));
    await expect(discoverTaskMessages(serviceMessage([targetsOf(TD1, 'awsvpc', [APP])]), deps)).rejects.toThrow(PermanentError);
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });
});
