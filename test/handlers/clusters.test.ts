import { describe, expect, it } from 'vitest';
import { accountOfFunctionArn, clusterName, isClusterAllowed, parseAllowedClusters } from '../../handlers/clusters';

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

describe('cluster allowlist with the function account', () => {
  const allowed = parseAllowedClusters(`prod,${arn('eu-west-1', 'batch')}`);

  it.each([
    [arn('eu-west-1', 'prod'), true],
    [arn('eu-west-1', 'prod', '999999999999'), false],
    ['batch', true],
  ])('%s allowed: %s', (cluster, expected) => {
    expect(isClusterAllowed(cluster, allowed, 'eu-west-1', '123456789012')).toBe(expected);
  });

  it('refuses a name when the ARN entry belongs to another account', () => {
    expect(isClusterAllowed('batch', allowed, 'eu-west-1', '999999999999')).toBe(false);
  });

  it('reads the account from the function ARN', () => {
    expect(accountOfFunctionArn('arn:aws:lambda:eu-west-1:123456789012:function:notifier')).toBe('123456789012');
    expect(accountOfFunctionArn('arn:aws:lambda:eu-west-1:123456789012:function:notifier:live')).toBe('123456789012');
    expect(accountOfFunctionArn('not-an-arn')).toBeUndefined();
    expect(accountOfFunctionArn(undefined)).toBeUndefined();
  });
});
