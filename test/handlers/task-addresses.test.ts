import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../handlers/errors';
import { awsvpcAddress, bridgeHostPort, ContainerInstanceIpCache } from '../../handlers/task-addresses';
import { CLUSTER, containerInstanceArn, task, taskDefinitionArn } from '../fixtures/tasks';

const ecsMock = mockClient(ECSClient);
const ec2Mock = mockClient(EC2Client);
const clients = { ecs: new ECSClient({}), ec2: new EC2Client({}) };
const TD = taskDefinitionArn('orders', 1);

beforeEach(() => {
  ecsMock.reset();
  ec2Mock.reset();
});

describe('addresses from the DescribeTasks shape', () => {
  it('awsvpc falls back to the container network interface when the attachment has no IP yet', () => {
    const provisioning = task({ id: 't1', definitionArn: TD, containers: [{ name: 'app' }] });
    expect(awsvpcAddress(provisioning)).toBeUndefined();
    provisioning.containers![0]!.networkInterfaces = [{ attachmentId: 'a-1', privateIpv4Address: '10.0.0.5' }];
    expect(awsvpcAddress(provisioning)).toBe('10.0.0.5');
  });

  it('bridge ignores UDP bindings and bindings of other containers', () => {
    const t = task({ id: 't1', definitionArn: TD, containerInstance: 'ci1', containers: [{ name: 'app' }, { name: 'other', bindings: [{ containerPort: 8080, hostPort: 40000 }] }] });
    t.containers![0]!.networkBindings = [{ containerPort: 8080, hostPort: 41000, protocol: 'udp' }];
    expect(bridgeHostPort(t, { container: 'app', port: 8080, uri: '/n' })).toBeUndefined();
    t.containers![0]!.networkBindings.push({ containerPort: 8080, hostPort: 41001, protocol: 'tcp' });
    expect(bridgeHostPort(t, { container: 'app', port: 8080, uri: '/n' })).toBe(41001);
  });
});

describe('ContainerInstanceIpCache', () => {
  it('concurrent lookups of the same instance share one call', async () => {
    ecsMock.on(DescribeContainerInstancesCommand).resolves({ containerInstances: [{ containerInstanceArn: containerInstanceArn('ci1'), ec2InstanceId: 'i-1' }] });
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1', PrivateIpAddress: '10.0.0.7' }] }] });
    const cache = new ContainerInstanceIpCache();
    const [a, b] = await Promise.all([
      cache.resolve(clients, CLUSTER, [containerInstanceArn('ci1')]),
      cache.resolve(clients, CLUSTER, [containerInstanceArn('ci1')]),
    ]);
    expect(a.get(containerInstanceArn('ci1'))).toBe('10.0.0.7');
    expect(b.get(containerInstanceArn('ci1'))).toBe('10.0.0.7');
    expect(ecsMock.commandCalls(DescribeContainerInstancesCommand)).toHaveLength(1);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });

  it('a failed lookup is not cached, and a non-MISSING failure is transient', async () => {
    ecsMock
      .on(DescribeContainerInstancesCommand)
      .resolvesOnce({ failures: [{ arn: containerInstanceArn('ci1'), reason: 'INTERNAL_ERROR' }] })
      .resolves({ containerInstances: [{ containerInstanceArn: containerInstanceArn('ci1'), ec2InstanceId: 'i-1' }] });
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1', PrivateIpAddress: '10.0.0.8' }] }] });
    const cache = new ContainerInstanceIpCache();
    await expect(cache.resolve(clients, CLUSTER, [containerInstanceArn('ci1')])).rejects.toThrow(TransientError);
    const ips = await cache.resolve(clients, CLUSTER, [containerInstanceArn('ci1')]);
    expect(ips.get(containerInstanceArn('ci1'))).toBe('10.0.0.8');
  });

  it('an instance without a private IP (or MISSING) has no address and is asked about again', async () => {
    ecsMock.on(DescribeContainerInstancesCommand).resolves({
      containerInstances: [{ containerInstanceArn: containerInstanceArn('ci1'), ec2InstanceId: 'i-1' }],
      failures: [{ arn: containerInstanceArn('ci2'), reason: 'MISSING' }],
    });
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1' }] }] });
    const cache = new ContainerInstanceIpCache();
    const ips = await cache.resolve(clients, CLUSTER, [containerInstanceArn('ci1'), containerInstanceArn('ci2')]);
    expect(ips.size).toBe(0);
    await cache.resolve(clients, CLUSTER, [containerInstanceArn('ci1')]);
    expect(ecsMock.commandCalls(DescribeContainerInstancesCommand)).toHaveLength(2);
  });
});
