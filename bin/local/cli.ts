import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Progress, ReplayReport } from './types';

/**
 * The pieces of `npm run replay` that are worth testing on their own: argument parsing, the
 * deployed-queue path (CloudFormation output lookup, SendMessage) and the verdict that decides
 * the exit code.
 */

export const DEFAULT_CLUSTER_FILE = 'bin/local/clusters/demo.json';

/** CloudFormation output holding the observer queue URL. */
export const OBSERVER_QUEUE_OUTPUT = 'ObserverQueueUrl';

export interface ReplayArgs {
  eventFile: string;
  clusterFile: string;
  /** Bad input replay: success means nothing was delivered. */
  expectDlq: boolean;
  queueUrl: string | undefined;
  stack: string | undefined;
  /** Print the report as JSON instead of text. */
  json: boolean;
  /** Handler log lines (Powertools, INFO) on stderr. */
  verbose: boolean;
}

export const USAGE = `Usage: npm run replay -- <event file> [options]

Offline (default): simulates the cluster of --cluster, sends the event to the observer queue,
runs the three real handlers until the queues drain and prints what every task received.

Options:
  --cluster <file>    cluster file (default ${DEFAULT_CLUSTER_FILE})
  --expect-dlq        the event is a bad input: succeed when nothing is delivered
  --json              print the report as JSON
  --verbose           show the handlers' log lines
  --queue-url <url>   send the event to a deployed observer queue instead (your AWS credentials)
  --stack <name>      same, reading the queue URL from the stack output ${OBSERVER_QUEUE_OUTPUT}
  -h, --help          this text`;

/** Parses the command line (without `node script`). Throws with a message for bad usage. */
export const parseReplayArgs = (argv: readonly string[]): ReplayArgs | 'help' => {
  const args: ReplayArgs = {
    eventFile: '',
    clusterFile: DEFAULT_CLUSTER_FILE,
    expectDlq: false,
    queueUrl: undefined,
    stack: undefined,
    json: false,
    verbose: false,
  };
  const value = (index: number, name: string): string => {
    const next = argv[index + 1];
    if (next === undefined || next.startsWith('--')) throw new Error(`${name} needs a value`);
    return next;
  };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--cluster':
        args.clusterFile = value(index++, arg);
        break;
      case '--queue-url':
        args.queueUrl = value(index++, arg);
        break;
      case '--stack':
        args.stack = value(index++, arg);
        break;
      case '--expect-dlq':
        args.expectDlq = true;
        break;
      case '--json':
        args.json = true;
        break;
      case '--verbose':
        args.verbose = true;
        break;
      default:
        if (arg.startsWith('-')) throw new Error(`Unknown option ${arg}`);
        if (args.eventFile) throw new Error(`Only one event file, got ${args.eventFile} and ${arg}`);
        args.eventFile = arg;
    }
  }
  if (!args.eventFile) throw new Error('An event file is required, e.g. events/observer-original.json');
  if (args.queueUrl && args.stack) throw new Error('Use --queue-url or --stack, not both');
  return args;
};

/**
 * The observer queue URL of a deployed stack: the output `ObserverQueueUrl`, or the single output
 * whose key contains it (CDK may prefix output ids).
 */
export const observerQueueUrlFromStack = async (cloudFormation: CloudFormationClient, stackName: string): Promise<string> => {
  const response = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = response.Stacks?.[0]?.Outputs ?? [];
  const exact = outputs.find((output) => output.OutputKey === OBSERVER_QUEUE_OUTPUT);
  const candidates = exact ? [exact] : outputs.filter((output) => output.OutputKey?.includes(OBSERVER_QUEUE_OUTPUT));
  if (candidates.length !== 1 || !candidates[0]!.OutputValue) {
    const keys = outputs.map((output) => output.OutputKey).join(', ') || 'none';
    throw new Error(
      candidates.length > 1
        ? `Stack ${stackName} has several ${OBSERVER_QUEUE_OUTPUT} outputs (${keys}); use --queue-url`
        : `Stack ${stackName} has no ${OBSERVER_QUEUE_OUTPUT} output (outputs: ${keys})`,
    );
  }
  return candidates[0]!.OutputValue!;
};

/** Sends the event file's content, as is, to a deployed observer queue; returns the message id. */
export const sendToObserverQueue = async (sqs: SQSClient, queueUrl: string, body: string): Promise<string> => {
  if (body.length === 0) throw new Error('The event file is empty; SQS refuses empty messages');
  const response = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  if (!response.MessageId) throw new Error('SQS returned no message id');
  return response.MessageId;
};

/** Creates the CloudFormation client lazily (keeps the offline path free of it). */
export const cloudFormationClient = (): CloudFormationClient => new CloudFormationClient({});

export interface Verdict {
  ok: boolean;
  problems: string[];
}

/**
 * Whether the replay went as it should. Normally: the event reached at least one service, every
 * opted-in RUNNING target got it exactly once, nothing else got it, nothing was dead-lettered.
 * With `expectDlq` (a bad input): nothing was delivered to any task.
 */
export const replayVerdict = (report: ReplayReport, expectDlq: boolean): Verdict => {
  const problems: string[] = [];
  const successes = report.services
    .flatMap((service) => service.tasks)
    .flatMap((task) => task.targets)
    .flatMap((target) => target.deliveries)
    .filter((delivery) => delivery.status >= 200 && delivery.status < 300).length;
  if (report.totals.duplicates > 0) problems.push(`${report.totals.duplicates} target(s) notified more than once`);
  if (report.totals.unexpected > 0) problems.push(`${report.totals.unexpected} request(s) reached a task that should not hear the event`);
  if (expectDlq) {
    if (successes > 0) problems.push(`expected a rejected input, but ${successes} task(s) were notified`);
  } else {
    if (report.totals.missed > 0) problems.push(`${report.totals.missed} opted-in RUNNING target(s) not notified`);
    if (report.totals.deadLetters > 0) problems.push(`${report.totals.deadLetters} message(s) reached a dead-letter queue (use --expect-dlq for bad inputs)`);
    if (report.events.length === 0 && report.totals.deadLetters === 0) problems.push('the event reached no service (ignored by service discovery?)');
  }
  return { ok: problems.length === 0, problems };
};

/** One progress line. */
export const progressLine = (progress: Progress): string =>
  `invocations sd=${progress.invocations['service-discovery']} td=${progress.invocations['task-discovery']} tn=${progress.invocations['task-notify']}` +
  `  queued observer=${progress.queued.observer} service=${progress.queued.service} task=${progress.queued.task}` +
  `  POSTs=${progress.posts}  DLQ=${progress.deadLettered}`;
