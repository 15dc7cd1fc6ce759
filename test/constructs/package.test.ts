import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { EcsTaskNotifier } from '../../index';
import { ensureBundles } from './fixtures';

const ROOT = path.join(__dirname, '..', '..');

beforeAll(ensureBundles);

describe('package root', () => {
  it('lets a consumer app import the construct and synthesize it with the handler bundles as assets', () => {
    const app = new App();
    const stack = new Stack(app, 'Consumer');
    const notifier = new EcsTaskNotifier(stack, 'Notifier', { clusters: ['orders-cluster'] });
    notifier.addS3Source(new s3.Bucket(stack, 'Bucket'), { cluster: 'orders-cluster', topic: 'config' });
    notifier.addDynamoDbStreamSource(
      new dynamodb.Table(stack, 'Orders', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        stream: dynamodb.StreamViewType.NEW_IMAGE,
      }),
      { cluster: 'orders-cluster' },
    );
    const assembly = app.synth();
    expect(assembly.getStackByName('Consumer').template.Resources).toBeDefined();
    const staged = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => path.join(assembly.directory, name))
      .filter((dir) => existsSync(path.join(dir, 'index.js')) && existsSync(path.join(dir, 'index.js.map')));
    expect(staged).toHaveLength(3);
  });
});

describe('published package', () => {
  // Build the library as `npm pack` would (prepack), then look at it as a consumer does.
  beforeAll(() => {
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  }, 120_000);

  it('contains the construct, its types and the bundles, and nothing from test/', () => {
    const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [pack] = JSON.parse(output) as { files: { path: string }[] }[];
    const files = pack!.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/constructs/ecs-task-notifier.js',
        'dist/constructs/ecs-task-notifier.d.ts',
        'dist/constructs/props.d.ts',
        'assets/handlers/service-discovery/index.js',
        'assets/handlers/task-discovery/index.js',
        'assets/handlers/task-notify/index.js',
        'assets/handlers/task-notify/index.js.map',
      ]),
    );
    const unexpected = files.filter((file) => /^(test|bin|bench|handlers|constructs|events|\.ci)\//.test(file) || file.endsWith('.ts') && !file.endsWith('.d.ts'));
    expect(unexpected).toEqual([]);
  });

  it('resolves by package name through main/exports to dist, and the compiled construct finds the bundles', () => {
    const script = [
      "const { App, Stack } = require('aws-cdk-lib');",
      "const { Template } = require('aws-cdk-lib/assertions');",
      "const pkg = require('ecs-task-notifier');",
      "const app = new App(); const stack = new Stack(app, 'FromDist');",
      "new pkg.EcsTaskNotifier(stack, 'Notifier', { clusters: ['demo'] });",
      "const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function');",
      "console.log(JSON.stringify({ resolved: require.resolve('ecs-task-notifier'), functions: Object.keys(fns).length }));",
    ].join('\n');
    const output = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    const result = JSON.parse(output.trim().split('\n').pop()!) as { resolved: string; functions: number };
    expect(result.resolved).toBe(path.join(ROOT, 'dist', 'index.js'));
    expect(result.functions).toBe(3);
  });
});
