import { describe, expect, it } from 'vitest';
import { clusterName, isClusterAllowed, parseAllowedClusters } from '../../handlers/clusters';

const arn = (region: string, name: string, account = '123456789012') => `arn:aws:ecs:${region}:${account}:cluster/${name}`;

describe('cluster allowlist', () => {
  const allowed = parseAllowedClusters(` prod , ${arn('eu-west-1', 'batch')},`);

  it('parses names and ARNs', () => {
    expect(allowed.map((c) => c.name)).toEqual(['prod', 'batch']);
    expect(clusterName(arn('us-east-1', 'x'))).toBe('x');
  });

  it('refuses an empty list', () => {
    expect(() => parseAllowedClusters(' , ')).toThrow(/ALLOWED_CLUSTERS/);
  });

  it.each([
    ['prod', true],
    [arn('eu-west-1', 'prod'), true],
    [arn('us-east-1', 'prod'), false],
    ['batch', true],
    [arn('eu-west-1', 'batch'), true],
    [arn('eu-west-1', 'batch', '999999999999'), false],
    ['other', false],
    [arn('eu-west-1', 'other'), false],
    ['Prod', false],
  ])('%s allowed: %s', (cluster, expected) => {
    expect(isClusterAllowed(cluster, allowed, 'eu-west-1')).toBe(expected);
  });
});
