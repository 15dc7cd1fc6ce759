/**
 * `npm run replay -- <event file> [options]`: replays a sample event offline against a simulated
 * cluster (default), or sends it to a deployed observer queue (`--queue-url`, `--stack`).
 * See `--help` and README's "Replay" section.
 */
import { readFile } from 'node:fs/promises';
import {
  cloudFormationClient,
  observerQueueUrlFromStack,
  parseReplayArgs,
  progressLine,
  replayVerdict,
  type ReplayArgs,
  sendToObserverQueue,
  USAGE,
} from './local/cli';

const runDeployed = async (args: ReplayArgs, body: string): Promise<number> => {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  const queueUrl = args.queueUrl ?? (await observerQueueUrlFromStack(cloudFormationClient(), args.stack!));
  const messageId = await sendToObserverQueue(new SQSClient({}), queueUrl, body);
  console.log(`Sent ${args.eventFile} to ${queueUrl}: message id ${messageId}`);
  return 0;
};

const runOffline = async (args: ReplayArgs, body: string): Promise<number> => {
  // Before the handler modules load: quiet logs and metrics unless asked for, no SDK Node 20 notice.
  process.env.POWERTOOLS_LOG_LEVEL = args.verbose ? 'INFO' : 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { formatReport, loadClusterFile, startSimulation } = await import('./local/index');
  const cluster = await loadClusterFile(args.clusterFile);
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  const simulation = await startSimulation({
    cluster,
    onProgress: (progress) => {
      if (!tty || Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      process.stderr.write(`\r\x1b[2K${progressLine(progress)}`);
    },
  });
  try {
    const started = Date.now();
    process.stderr.write(`Replaying ${args.eventFile} against cluster ${cluster.name} (${args.clusterFile})...\n`);
    await simulation.sendObserverMessage(body);
    await simulation.drain();
    const report = simulation.report();
    if (tty) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`Drained in ${Date.now() - started} ms\n`);
    console.log(args.json ? JSON.stringify(report, null, 2) : formatReport(report));
    const verdict = replayVerdict(report, args.expectDlq);
    console.log(verdict.ok ? `\nOK${args.expectDlq ? ' (rejected as expected: nothing delivered)' : ''}` : `\nFAILED:\n  ${verdict.problems.join('\n  ')}`);
    return verdict.ok ? 0 : 1;
  } finally {
    await simulation.close();
  }
};

const main = async (): Promise<number> => {
  let args: ReturnType<typeof parseReplayArgs>;
  try {
    args = parseReplayArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  const body = await readFile(args.eventFile, 'utf8');
  return args.queueUrl || args.stack ? runDeployed(args, body) : runOffline(args, body);
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
