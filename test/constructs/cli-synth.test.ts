import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundles } from './fixtures';

const ROOT = path.join(__dirname, '..', '..');
let out: string;

beforeAll(async () => {
  await ensureBundles();
  out = mkdtempSync(path.join(tmpdir(), 'cdk-out-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The environment of a fresh machine: no credentials, no profile, no instance metadata. */
const offlineEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_VERSION_CHECK: '1' };
  for (const name of Object.keys(env)) {
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|REGION|DEFAULT_REGION)$/.test(name)) delete env[name];
  }
  env.AWS_CONFIG_FILE = path.join(out, 'no-config');
  env.AWS_SHARED_CREDENTIALS_FILE = path.join(out, 'no-credentials');
  return env;
};

describe('npx cdk synth (cdk.json app)', () => {
  it('synthesizes the example app without credentials or lookups', () => {
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', '--output', out], {
      cwd: ROOT,
      env: offlineEnv(),
      stdio: 'pipe',
      timeout: 180_000,
    });
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
      missing?: unknown[];
    };
    expect(manifest.missing).toBeUndefined();
    const template = JSON.parse(readFileSync(path.join(out, 'EcsTaskNotifierDemo.template.json'), 'utf8')) as {
      Outputs: Record<string, unknown>;
      Resources: Record<string, { Type: string }>;
    };
    expect(Object.keys(template.Outputs)).toContain('ObserverQueueUrl');
    const functions = Object.keys(template.Resources).filter((id) => template.Resources[id]!.Type === 'AWS::Lambda::Function');
    expect(functions.filter((id) => id.startsWith('Notifier'))).toHaveLength(3);
  }, 200_000);
});
