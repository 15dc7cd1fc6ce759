import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** README's main job, `npm run replay -- <event file>`, run as a user runs it (tsx bin/replay.ts). */

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

const replay = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(TSX, ['bin/replay.ts', ...args], { cwd: ROOT, timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });

describe('npm run replay', () => {
  it('replays the original observer message against the demo cluster and exits 0', async () => {
    const { code, stdout } = await replay('events/observer-original.json');
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/Totals: 8\/8 targets notified, 0 missed, 0 duplicate\(s\), 0 unexpected, 8 POST\(s\), 0 dead-lettered/);
    expect(stdout).toMatch(/orders-api:7 awsvpc app @ 127\.\d+\.\d+\.\d+:8080\/internal\/notify {2}delivered {2}HTTP 200/);
    expect(stdout).toMatch(/billing-worker:3 bridge worker @ 127\.\d+\.\d+\.\d+:\d{5}\/notify {2}delivered/);
    expect(stdout).toMatch(/task PENDING: not notified/);
    expect(stdout).toMatch(/AWS calls: .*ECS\.ListServices 1/);
    expect(stdout).toMatch(/\nOK\n/);
  }, 60_000);

  it('fails on a bad input unless --expect-dlq acknowledges it, and shows the reason', async () => {
    const plain = await replay('events/malformed.json');
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(/observer-dlq .*: observer message: body is not JSON/);
    expect(plain.stdout).toMatch(/FAILED:\n {2}1 message\(s\) reached a dead-letter queue/);
    const acknowledged = await replay('events/malformed.json', '--expect-dlq', '--json');
    expect(acknowledged.code).toBe(0);
    const report = JSON.parse(acknowledged.stdout.slice(0, acknowledged.stdout.lastIndexOf('\nOK')));
    expect(report.deadLetters).toEqual([expect.objectContaining({ queue: 'observer', movedBy: 'handler', reason: expect.stringMatching(/not JSON/) })]);
  }, 60_000);

  it('explains bad usage with exit code 2', async () => {
    const { code, stderr } = await replay('--frobnicate');
    expect(code).toBe(2);
    expect(stderr).toMatch(/Unknown option --frobnicate[\s\S]*Usage: npm run replay/);
  }, 30_000);
});
