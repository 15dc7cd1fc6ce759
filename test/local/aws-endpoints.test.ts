import {
  DescribeInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  ClusterNotFoundException,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListServicesCommand,
  ListTasksCommand,
  paginateListServices,
  paginateListTasks,
  ServiceNotFoundException,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallCounter } from '../../bin/local/aws-error';
import { Ec2Api } from '../../bin/local/ec2-api';
import { EcsApi } from '../../bin/local/ecs-api';
import { AwsFaultInjector, LocalEndpoints } from '../../bin/local/endpoints';
import { type AwsFault, mergeFaults } from '../../bin/local/faults';
import { generateCluster } from '../../bin/local/generate';
import { SqsBroker } from '../../bin/local/sqs-broker';
import { TaskListeners } from '../../bin/local/task-listeners';
import { buildCluster, type SimCluster } from '../../bin/local/world';
import { parseClusterSpec } from '../../bin/local/cluster-spec';

/**
 * The simulated ECS and EC2 endpoints, driven by the real SDK v3 clients: the SDK must parse every
 * answer, and the endpoints must enforce the limits and errors of the real APIs.
 */

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let endpoints: LocalEndpoints;
let ecs: ECSClient;
let ec2: EC2Client;
let cluster: SimCluster;
let listeners: TaskListeners;
const api = new CallCounter();
let faults: AwsFault[] = [];

/** Attaches a fresh backend with the given faults. */
const attach = (withFaults: AwsFault[] = []): void => {
  faults = withFaults;
  endpoints.detach();
  endpoints.attach({
    ecs: new EcsApi(cluster, (tasks) => listeners.afterDescribe(tasks)),
    ec2: new Ec2Api(cluster),
    sqs: new SqsBroker(endpoints.sqsUrl, 'eu-west-1'),
    faults: new AwsFaultInjector(mergeFaults({ aws: faults }).aws),
    api,
  });
};

beforeAll(async () => {
  endpoints = await LocalEndpoints.start();
  // 120 services (3 opted in: 2 bridge tasks each, one also PENDING) plus a mixed-mode service.
  const spec = generateCluster({ services: 120, tasksPerService: 2, optedInServices: 3, networkMode: 'bridge', containerInstances: 3, pendingTasksPerService: 1 });
  spec.taskDefinitions.push({ family: 'fargate-api', revision: 4, networkMode: 'awsvpc', containers: [{ name: 'api', containerPort: 8080, dockerLabels: { NOTIFY_ME_CONTAINER_PORT: '8080', NOTIFY_ME_API_URI: '/n' }, essential: true }] });
  spec.services.push(...parseClusterSpec({ name: 'x', taskDefinitions: [{ family: 'fargate-api', revision: 4, networkMode: 'awsvpc', containers: [{ name: 'api' }] }], services: [{ name: 'fargate-api', deployments: [{ taskDefinition: 'fargate-api:4', running: 105, stopped: 2 }] }] }).services);
  cluster = buildCluster(spec);
  listeners = new TaskListeners(cluster, [{ service: 'svc-001', task: 0, behaviour: { kind: 'stop-after-discovery' } }]);
  await listeners.start();
  attach();
  ecs = new ECSClient({ endpoint: endpoints.ecsUrl, region: 'eu-west-1', credentials, maxAttempts: 1 });
  ec2 = new EC2Client({ endpoint: endpoints.ec2Url, region: 'eu-west-1', credentials, maxAttempts: 1 });
});

afterAll(async () => {
  ecs?.destroy();
  ec2?.destroy();
  await listeners?.close();
  await endpoints?.stop();
});

describe('ECS', () => {
  it('pages ListServices: 10 by default, at most 100, with nextToken', async () => {
    const first = await ecs.send(new ListServicesCommand({ cluster: 'demo' }));
    expect(first.serviceArns).toHaveLength(10);
    expect(first.nextToken).toBeTruthy();
    const pages: number[] = [];
    for await (const page of paginateListServices({ client: ecs, pageSize: 100 }, { cluster: 'demo' })) pages.push(page.serviceArns!.length);
    expect(pages).toEqual([100, 21]);
    await expect(ecs.send(new ListServicesCommand({ cluster: 'demo', maxResults: 101 }))).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(ecs.send(new ListServicesCommand({ cluster: 'demo', nextToken: 'garbage' }))).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('answers ClusterNotFoundException for another cluster, by name or ARN', async () => {
    await expect(ecs.send(new ListServicesCommand({ cluster: 'prod' }))).rejects.toBeInstanceOf(ClusterNotFoundException);
    await expect(ecs.send(new ListTasksCommand({ cluster: cluster.arn.replace('demo', 'prod') }))).rejects.toBeInstanceOf(ClusterNotFoundException);
    await expect(ecs.send(new ListTasksCommand({ cluster: cluster.arn.replace('eu-west-1', 'us-east-1') }))).rejects.toBeInstanceOf(ClusterNotFoundException);
    await expect(ecs.send(new ListServicesCommand({ cluster: cluster.arn }))).resolves.toBeDefined();
  });

  it('describes at most 10 services, with deployments, and reports unknown ones as failures', async () => {
    const response = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['svc-001', 'nope'] }));
    expect(response.services).toHaveLength(1);
    const [service] = response.services!;
    expect(service).toMatchObject({ serviceName: 'svc-001', status: 'ACTIVE', runningCount: 2, pendingCount: 1, launchType: 'EC2' });
    expect(service!.deployments![0]).toMatchObject({ status: 'PRIMARY', taskDefinition: expect.stringMatching(/:task-definition\/svc-001:1$/), runningCount: 2, pendingCount: 1 });
    expect(service!.createdAt).toBeInstanceOf(Date);
    expect(response.failures).toEqual([{ arn: expect.stringMatching(/:service\/demo\/nope$/), reason: 'MISSING' }]);
    const eleven = Array.from({ length: 11 }, (_, index) => `svc-${String(index + 1).padStart(3, '0')}`);
    await expect(ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: eleven }))).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('describes a task definition with its docker labels', async () => {
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'svc-002:1' }));
    expect(taskDefinition).toMatchObject({ family: 'svc-002', revision: 1, networkMode: 'bridge' });
    expect(taskDefinition!.containerDefinitions![0]!.dockerLabels).toEqual({ NOTIFY_ME_CONTAINER_PORT: '8080', NOTIFY_ME_API_URI: '/notify' });
    await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'svc-999:1' }))).rejects.toThrow(/Unable to describe/);
  });

  it('lists a service tasks by desired status, 100 a page', async () => {
    const running: string[] = [];
    for await (const page of paginateListTasks({ client: ecs, pageSize: 100 }, { cluster: 'demo', serviceName: 'fargate-api', desiredStatus: 'RUNNING' })) {
      expect(page.taskArns!.length).toBeLessThanOrEqual(100);
      running.push(...page.taskArns!);
    }
    expect(running).toHaveLength(105);
    const stopped = await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'fargate-api', desiredStatus: 'STOPPED' }));
    expect(stopped.taskArns).toHaveLength(2);
    // desiredStatus RUNNING includes tasks still PENDING, as in ECS.
    const svc = await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'svc-003' }));
    expect(svc.taskArns).toHaveLength(3);
    await expect(ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'ghost' }))).rejects.toBeInstanceOf(ServiceNotFoundException);
  });

  it('describes at most 100 tasks in the API reference shape; unknown ARNs are MISSING failures', async () => {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'fargate-api', maxResults: 100 }))).taskArns!;
    await expect(ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: [...arns, 'arn:x'] }))).rejects.toBeInstanceOf(InvalidParameterException);
    const missing = `${cluster.arn.replace(':cluster/', ':task/')}/0123456789abcdef0123456789abcdef`;
    const response = await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: [arns[0]!, missing] }));
    expect(response.failures).toEqual([{ arn: missing, reason: 'MISSING' }]);
    const [task] = response.tasks!;
    expect(task).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING', group: 'service:fargate-api', launchType: 'FARGATE', healthStatus: 'UNKNOWN' });
    const eni = task!.attachments!.find((attachment) => attachment.type === 'ElasticNetworkInterface')!;
    const ip = eni.details!.find((detail) => detail.name === 'privateIPv4Address')!.value!;
    expect(ip).toMatch(/^127\.1\d\.\d+\.\d+$/);
    expect(task!.containers![0]!.networkInterfaces![0]!.privateIpv4Address).toBe(ip);
    expect(task!.startedAt).toBeInstanceOf(Date);
  });

  it('reports bridge tasks with their container instance and dynamic host port, and instances through EC2', async () => {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'svc-002' }))).taskArns!;
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }));
    const running = tasks!.filter((task) => task.lastStatus === 'RUNNING');
    const pending = tasks!.filter((task) => task.lastStatus === 'PENDING');
    expect(running).toHaveLength(2);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.containers![0]!.networkBindings).toEqual([]);
    const binding = running[0]!.containers![0]!.networkBindings![0]!;
    expect(binding).toMatchObject({ containerPort: 8080, protocol: 'tcp', bindIP: '0.0.0.0' });
    expect(binding.hostPort).toBeGreaterThanOrEqual(32_768);
    expect(binding.hostPort).toBeLessThanOrEqual(60_999);
    const { containerInstances, failures } = await ecs.send(
      new DescribeContainerInstancesCommand({ cluster: 'demo', containerInstances: [running[0]!.containerInstanceArn!, 'unknown'] }),
    );
    expect(failures).toEqual([{ arn: 'unknown', reason: 'MISSING' }]);
    const instanceId = containerInstances![0]!.ec2InstanceId!;
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = described.Reservations![0]!.Instances![0]!;
    expect(instance.InstanceId).toBe(instanceId);
    expect(instance.PrivateIpAddress).toMatch(/^127\.2\d\.\d+\.\d+$/);
    expect(instance.State?.Name).toBe('running');
    await expect(ecs.send(new DescribeContainerInstancesCommand({ cluster: 'demo', containerInstances: Array(101).fill('x') }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000dead'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
  });

  it('stops a stop-after-discovery task once DescribeTasks reported it', async () => {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'svc-001' }))).taskArns!;
    const first = await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }));
    expect(first.tasks!.filter((task) => task.lastStatus === 'RUNNING')).toHaveLength(2);
    const second = await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }));
    const stopped = second.tasks!.filter((task) => task.lastStatus === 'STOPPED');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.desiredStatus).toBe('STOPPED');
    expect(stopped[0]!.stoppedReason).toBeTruthy();
    const after = await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'svc-001', desiredStatus: 'RUNNING' }));
    expect(after.taskArns).toHaveLength(2); // one RUNNING + one PENDING
  });
});

describe('fault injection and counters', () => {
  it('answers throttling and 5xx bursts the SDK recognises, then recovers, counting every call', async () => {
    attach([
      { service: 'ECS', operation: 'ListServices', kind: 'throttle', count: 2, after: 0 },
      { service: 'EC2', kind: 'throttle', count: 1, after: 0 },
      { service: 'ECS', operation: 'DescribeServices', kind: 'server-error', count: 1, after: 0 },
    ]);
    api.reset();
    await expect(ecs.send(new ListServicesCommand({ cluster: 'demo' }))).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    await expect(ecs.send(new ListServicesCommand({ cluster: 'demo' }))).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(ecs.send(new ListServicesCommand({ cluster: 'demo' }))).resolves.toBeDefined();
    await expect(ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['svc-001'] }))).rejects.toMatchObject({ name: 'ServerException', $metadata: { httpStatusCode: 500 } });
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: [cluster.containerInstances[0]!.instanceId] }))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: [cluster.containerInstances[0]!.instanceId] }))).resolves.toBeDefined();
    expect(api.snapshot()).toEqual({ 'ECS.ListServices': 3, 'ECS.DescribeServices': 1, 'EC2.DescribeInstances': 2 });
    attach();
  });

  it('retries a throttled call with the SDK standard retry strategy until it succeeds', async () => {
    attach([{ service: 'ECS', operation: 'ListServices', kind: 'throttle', count: 1, after: 0 }]);
    api.reset();
    const retrying = new ECSClient({ endpoint: endpoints.ecsUrl, region: 'eu-west-1', credentials, maxAttempts: 3 });
    const response = await retrying.send(new ListServicesCommand({ cluster: 'demo' }));
    expect(response.$metadata.attempts).toBe(2);
    expect(api.snapshot()['ECS.ListServices']).toBe(2);
    retrying.destroy();
    attach();
  });
});
