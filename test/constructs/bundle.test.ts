import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHandlers, HANDLERS } from '../../bin/bundle-handlers';
import { HANDLER_NAMES } from '../../constructs/handler-code';

let work: string;
let entry: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'bundle-handlers-'));
  entry = path.join(work, 'probe.ts');
  writeFileSync(
    entry,
    [
      "import { z } from 'zod';",
      'const someVeryLongLocalVariableName = z.object({ answer: z.number() });',
      'export const handler = async (input: unknown) => someVeryLongLocalVariableName.parse(input).answer * 2;',
      '',
    ].join('\n'),
  );
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `code` in a fresh Node.js process (the bundle's own module system, not vitest's). */
const ROOT = path.join(__dirname, '..', '..');
/** The probe lives in a temp dir: resolve its packages from the repository's node_modules. */
const resolveFromRepo = { nodePaths: [path.join(ROOT, 'node_modules')] };

const node = (code: string, env: NodeJS.ProcessEnv = {}): string =>
  execFileSync(process.execPath, ['-e', code], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim();

describe('bundleHandlers', () => {
  it('writes a minified CommonJS bundle with an external source map and everything bundled', async () => {
    const outdir = path.join(work, 'min');
    const [result] = await bundleHandlers({ outdir, entries: { probe: entry }, esbuild: resolveFromRepo });
    expect(result!.file).toBe(path.join(outdir, 'probe', 'index.js'));
    const code = readFileSync(result!.file, 'utf8');
    expect(code.includes('someVeryLongLocalVariableName')).toBe(false);
    expect(/require\(["']zod["']\)/.test(code)).toBe(false);
    expect(code.trimEnd().endsWith('//# sourceMappingURL=index.js.map')).toBe(true);
    const map = JSON.parse(readFileSync(path.join(outdir, 'probe', 'index.js.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.some((source) => source.endsWith('probe.ts'))).toBe(true);
    expect(result!.bytes).toBe(Buffer.byteLength(code));
    expect(node(`require(${JSON.stringify(result!.file)}).handler({answer: 21}).then((v) => console.log(v))`)).toBe('42');
  });

  it('supports the naive variants the benchmark compares: unminified, SDK or any package external', async () => {
    const outdir = path.join(work, 'naive');
    const [result] = await bundleHandlers({ outdir, entries: { probe: entry }, minify: false, external: ['zod'], esbuild: resolveFromRepo });
    const code = readFileSync(result!.file, 'utf8');
    expect(code).toContain('someVeryLongLocalVariableName');
    expect(code).toMatch(/require\(["']zod["']\)/);
  });

  it('bundles the three real handlers, each exporting handler, with the AWS SDK inside', async () => {
    expect([...HANDLERS]).toEqual([...HANDLER_NAMES]);
    const outdir = path.join(work, 'real');
    const results = await bundleHandlers({ outdir });
    expect(results.map((r) => r.name)).toEqual([...HANDLERS]);
    const env = {
      AWS_REGION: 'eu-west-1',
      SERVICE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/service',
      TASK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/task',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
      ALLOWED_CLUSTERS: 'demo',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
      NODE_NO_WARNINGS: '1',
    };
    for (const result of results) {
      const code = readFileSync(result.file, 'utf8');
      // Only the optional SigV4a signers (loaded in a try/catch, not installed) stay requires.
      const sdkRequires = new Set([...code.matchAll(/require\(["'](@aws-sdk\/[^"']+)["']\)/g)].map((match) => match[1]));
      const optional = new Set(['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a']);
      expect([...sdkRequires].filter((name) => !optional.has(name)), result.name).toEqual([]);
      expect(code.includes('ECSClient') || code.includes('SQSClient') || code.includes('DynamoDBClient'), result.name).toBe(true);
      expect(node(`console.log(typeof require(${JSON.stringify(result.file)}).handler)`, env), result.name).toBe('function');
    }
  });
});
