import { randomUUID } from 'node:crypto';
import { AwsApiError } from './aws-error';
import type { SimCluster, SimContainerInstance } from './world';

/**
 * EC2 DescribeInstances (query protocol, XML answers as the EC2 API reference shows them) for the
 * simulated container instances: their private IP is the loopback address their tasks listen on.
 */

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const escapeXml = (value: string): string =>
  value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** `InstanceId.1`, `InstanceId.2` ... (and `Filter.N.Name=instance-id` values) of a query request. */
const instanceIdsOf = (params: URLSearchParams): string[] | undefined => {
  const ids: string[] = [];
  for (const [key, value] of params) if (/^InstanceId\.\d+$/.test(key)) ids.push(value);
  for (const [key, value] of params) {
    const match = /^Filter\.(\d+)\.Name$/.exec(key);
    if (match && value === 'instance-id') {
      for (const [valueKey, filterValue] of params) if (valueKey.startsWith(`Filter.${match[1]}.Value.`)) ids.push(filterValue);
    }
  }
  return ids.length > 0 ? ids : undefined;
};

export class Ec2Api {
  public constructor(private readonly cluster: SimCluster) {}

  /** Runs one query-protocol action; returns the XML body or throws {@link AwsApiError}. */
  public handle(action: string, params: URLSearchParams): string {
    if (action !== 'DescribeInstances') throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
    const ids = instanceIdsOf(params);
    const instances = this.cluster.containerInstances;
    let selected: SimContainerInstance[];
    if (ids) {
      const missing = ids.filter((id) => !instances.some((instance) => instance.instanceId === id));
      const byFilter = [...params.keys()].some((key) => key.startsWith('Filter.'));
      if (missing.length > 0 && !byFilter) {
        throw new AwsApiError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
      }
      selected = instances.filter((instance) => ids.includes(instance.instanceId));
    } else {
      selected = instances;
    }
    return describeInstancesXml(this.cluster, selected);
  }
}

const instanceXml = (cluster: SimCluster, instance: SimContainerInstance, index: number): string => `
          <item>
            <instanceId>${instance.instanceId}</instanceId>
            <imageId>ami-0123456789abcdef0</imageId>
            <instanceState><code>16</code><name>running</name></instanceState>
            <privateDnsName>ip-${instance.address.replaceAll('.', '-')}.${cluster.region}.compute.internal</privateDnsName>
            <dnsName/>
            <amiLaunchIndex>${index}</amiLaunchIndex>
            <instanceType>m7g.large</instanceType>
            <placement><availabilityZone>${cluster.region}a</availabilityZone><tenancy>default</tenancy></placement>
            <subnetId>subnet-0123456789abcdef0</subnetId>
            <vpcId>vpc-0123456789abcdef0</vpcId>
            <privateIpAddress>${escapeXml(instance.address)}</privateIpAddress>
            <architecture>arm64</architecture>
            <networkInterfaceSet>
              <item>
                <networkInterfaceId>eni-0${instance.instanceId.slice(2, 18)}</networkInterfaceId>
                <status>in-use</status>
                <privateIpAddress>${escapeXml(instance.address)}</privateIpAddress>
                <privateIpAddressesSet>
                  <item><privateIpAddress>${escapeXml(instance.address)}</privateIpAddress><primary>true</primary></item>
                </privateIpAddressesSet>
              </item>
            </networkInterfaceSet>
            <tagSet>
              <item><key>aws:ecs:clusterName</key><value>${escapeXml(cluster.name)}</value></item>
            </tagSet>
          </item>`;

const describeInstancesXml = (cluster: SimCluster, instances: readonly SimContainerInstance[]): string => {
  const reservations = instances
    .map(
      (instance, index) => `
    <item>
      <reservationId>r-0${instance.instanceId.slice(2, 18)}</reservationId>
      <ownerId>${cluster.accountId}</ownerId>
      <groupSet/>
      <instancesSet>${instanceXml(cluster, instance, index)}
      </instancesSet>
    </item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="${XMLNS}">
  <requestId>${randomUUID()}</requestId>
  <reservationSet>${reservations}
  </reservationSet>
</DescribeInstancesResponse>`;
};

/** An EC2 error body (query protocol). */
export const ec2ErrorXml = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`;
