import type { ApiCallMeasurement } from './api-calls';
import { type CallCounts, type ClusterShape, type ModelledFanOut, minimumCalls, OPERATIONS, originalDesignCalls, serviceScopedMinimum } from './api-model';
import type { BarChartOptions } from './chart';
import type { ColdStartResult } from './cold-start';
import { estimateCost, formatUsd, LIST_PRICES_USD, per1000 } from './cost';
import type { LatencyMeasurement } from './latency';
import { describeMachine, type MachineInfo } from './machine';
import { markdownTable } from './markdown';
import { formatBytes, formatMs, formatRatio, median, ratio, sumValues } from './stats';

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  machine: MachineInfo;
  /** Wall time of the whole run, seconds. */
  durationS: number;
  settings: {
    batchSizes: Record<string, number>;
    lambdaConcurrency: number;
    notifyConcurrency: number;
    latencyRuns: number;
    coldStartRuns: number;
  };
  apiCalls: { shape: ClusterShape; measured: ApiCallMeasurement }[];
  latency: LatencyMeasurement | undefined;
  coldStart: ColdStartResult | undefined;
  /** Sections that could not run, with why. */
  missing: string[];
}

/** One shape's numbers side by side. */
export interface ApiCallSummary {
  shape: ClusterShape;
  oursCold: number;
  oursWarm: number;
  minimumCold: ModelledFanOut;
  minimumWarm: ModelledFanOut;
  /** The service-scoped strategy's totals (the architecture this pipeline shares), cold and warm. */
  serviceScopedCold: number;
  serviceScopedWarm: number;
  original: ModelledFanOut;
  /** Both events notified every expected target exactly once (counts of an incomplete fan-out mean nothing). */
  complete: boolean;
}

const total = (counts: CallCounts): number => sumValues(counts as Record<string, number>);

/** Measured totals of one shape beside its modelled minimum and original-design counts. */
export const summarizeApiCalls = (entry: BenchResults['apiCalls'][number]): ApiCallSummary => ({
  shape: entry.shape,
  oursCold: total(entry.measured.cold.counts),
  oursWarm: total(entry.measured.warm.counts),
  minimumCold: minimumCalls(entry.shape, false),
  minimumWarm: minimumCalls(entry.shape, true),
  serviceScopedCold: serviceScopedMinimum(entry.shape, false).total,
  serviceScopedWarm: serviceScopedMinimum(entry.shape, true).total,
  original: originalDesignCalls(entry.shape),
  complete:
    entry.measured.cold.notified === entry.measured.expectedTargets &&
    entry.measured.warm.notified === entry.measured.expectedTargets &&
    entry.measured.cold.duplicates + entry.measured.warm.duplicates === 0,
});

/** Ratios of the latency section: medians of the runs. */
export interface LatencySummary {
  pipelineMedianMs: number;
  drainMedianMs: number;
  bareMedianMs: number;
  ratio: number | undefined;
}

/** Medians of the latency runs and their ratio pipeline / bare loop. */
export const summarizeLatency = (latency: LatencyMeasurement): LatencySummary => {
  const pipelineMedianMs = median(latency.runs.map((run) => run.pipelineMs));
  const bareMedianMs = median(latency.runs.map((run) => run.bareLoopMs));
  return {
    pipelineMedianMs,
    drainMedianMs: median(latency.runs.map((run) => run.drainMs)),
    bareMedianMs,
    ratio: ratio(pipelineMedianMs, bareMedianMs),
  };
};

/** Per-operation median over the runs of a counter family (e.g. SQS operations). */
export const medianCounts = (records: readonly Readonly<Record<string, number>>[]): Record<string, number> => {
  const keys = [...new Set(records.flatMap((record) => Object.keys(record)))].sort();
  return Object.fromEntries(keys.map((key) => [key, median(records.map((record) => record[key] ?? 0))]));
};

/** Load times of the bundles: ours vs naive per handler. */
export interface ColdStartRow {
  handler: string;
  ours: ColdStartResult['bundles'][number] | undefined;
  /** Ours as deployed: `--enable-source-maps` with the linked map. */
  oursWithMaps: ColdStartResult['bundles'][number] | undefined;
  naive: ColdStartResult['bundles'][number] | undefined;
}

/** Groups the measured bundles by handler: ours, ours as deployed, naive. */
export const coldStartRows = (coldStart: ColdStartResult): ColdStartRow[] => {
  const handlers = [...new Set(coldStart.bundles.map((bundle) => bundle.handler))];
  return handlers.map((handler) => ({
    handler,
    ours: coldStart.bundles.find((bundle) => bundle.handler === handler && bundle.variant === 'ours'),
    oursWithMaps: coldStart.bundles.find((bundle) => bundle.handler === handler && bundle.variant === 'ours+maps'),
    naive: coldStart.bundles.find((bundle) => bundle.handler === handler && bundle.variant === 'naive'),
  }));
};

/** The chart of section 1: total ECS/EC2 calls per fan-out, per shape and variant (log scale). */
export const apiCallChart = (summaries: readonly ApiCallSummary[]): BarChartOptions => ({
  title: 'ECS/EC2 API calls per fan-out (one event)',
  yLabel: 'API calls',
  logScale: true,
  series: [
    { name: 'original design (model)', color: '#d62728' },
    { name: 'this pipeline, cold', color: '#1f77b4' },
    { name: 'this pipeline, warm', color: '#6baed6' },
    { name: 'minimum, cold', color: '#2ca02c' },
    { name: 'minimum, warm', color: '#98df8a' },
  ],
  groups: summaries.map((summary) => ({
    label: summary.shape.id,
    values: [summary.original.total, summary.oursCold, summary.oursWarm, summary.minimumCold.total, summary.minimumWarm.total],
  })),
});

const formulaOf = (model: ModelledFanOut, operation: string): string => model.calls.find((c) => c.operation === operation)?.formula ?? '-';
const callsOf = (model: ModelledFanOut, operation: string): number => model.calls.find((c) => c.operation === operation)?.calls ?? 0;

/** Headline lines (markdown bullets) that lead the results and the README. */
export const headlines = (results: BenchResults): string[] => {
  const lines: string[] = [];
  const summaries = results.apiCalls.map(summarizeApiCalls);
  if (summaries.length > 0) {
    const range = (values: (number | undefined)[]): string => {
      const known = values.filter((value): value is number => value !== undefined);
      if (known.length === 0) return 'n/a';
      const low = Math.min(...known);
      const high = Math.max(...known);
      return low === high ? formatRatio(low) : `${formatRatio(low)} to ${formatRatio(high)}`;
    };
    const largest = [...summaries].sort((a, b) => (ratio(b.original.total, b.oursCold) ?? 0) - (ratio(a.original.total, a.oursCold) ?? 0))[0]!;
    lines.push(
      `**ECS/EC2 API calls per fan-out**, original design / this pipeline: ${range(summaries.map((s) => ratio(s.original.total, s.oursCold)))} cold, ` +
        `${range(summaries.map((s) => ratio(s.original.total, s.oursWarm)))} warm over the ${summaries.length} shapes ` +
        `(largest on ${largest.shape.id}: ${largest.original.total.toLocaleString('en-US')} vs ${largest.oursCold.toLocaleString('en-US')} calls cold, ${largest.oursWarm.toLocaleString('en-US')} warm). ` +
        `This pipeline / minimum: ${range(summaries.map((s) => ratio(s.oursCold, s.minimumCold.total)))} cold, ${range(summaries.map((s) => ratio(s.oursWarm, s.minimumWarm.total)))} warm; ` +
        `/ service-scoped minimum (its own architecture): ${range(summaries.map((s) => ratio(s.oursCold, s.serviceScopedCold)))} cold, ` +
        `${range(summaries.map((s) => ratio(s.oursWarm, s.serviceScopedWarm)))} warm.`,
    );
  }
  if (results.latency && results.latency.runs.length > 0) {
    const l = summarizeLatency(results.latency);
    lines.push(
      `**Event to last task notified** (${results.latency.targets.toLocaleString('en-US')} tasks, ${results.latency.services} services): pipeline / bare loop = ` +
        `**${formatRatio(l.ratio)}** (median ${formatMs(l.pipelineMedianMs)} vs ${formatMs(l.bareMedianMs)} over ${results.latency.runs.length} runs, ` +
        `${results.latency.concurrency} POSTs in flight); peak RSS ${formatBytes(results.latency.peakRssBytes)}.`,
    );
  }
  if (results.coldStart) {
    const parts = coldStartRows(results.coldStart)
      .filter((row) => row.ours && row.naive)
      .map(
        (row) =>
          `${row.handler} ${formatBytes(row.ours!.bytes)} vs ${formatBytes(row.naive!.bytes)} (${formatRatio(ratio(row.naive!.bytes, row.ours!.bytes))} smaller), ` +
          `load ${formatMs(row.ours!.loadMs)} vs ${formatMs(row.naive!.loadMs)} (${formatRatio(ratio(row.naive!.loadMs, row.ours!.loadMs))} faster)`,
      );
    if (parts.length > 0) lines.push(`**Cold start, ours vs naive bundle** — ${parts.join('; ')}.`);
  }
  if (results.latency && results.latency.runs.length > 0) {
    const c = costPer1000(results.latency);
    lines.push(
      `**Cost per 1,000 tasks notified**: ${Math.round(c.sqs).toLocaleString('en-US')} SQS requests, ${Math.round(c.invocations).toLocaleString('en-US')} Lambda invocations, ` +
        `about ${formatUsd(c.estimate.totalUsd)} at the list prices assumed below.`,
    );
  }
  return lines;
};

/** Per 1,000 notified tasks: SQS requests, invocations and a dollar estimate (median run). */
export const costPer1000 = (latency: LatencyMeasurement) => {
  const notified = median(latency.runs.map((run) => run.notified));
  const sqsByOperation = medianCounts(latency.runs.map((run) => run.counters.sqs));
  const invocationsByFunction = medianCounts(latency.runs.map((run) => run.counters.invocations));
  const dynamoByOperation = medianCounts(
    latency.runs.map((run) => Object.fromEntries(Object.entries(run.counters.api).filter(([key]) => key.startsWith('DynamoDB.')))),
  );
  const sqs = per1000(sumValues(sqsByOperation), notified);
  const invocations = per1000(sumValues(invocationsByFunction), notified);
  const countedWrites = sumValues(
    Object.fromEntries(Object.entries(dynamoByOperation).filter(([key]) => /PutItem|UpdateItem|DeleteItem/.test(key))),
  );
  // Powertools idempotency: a conditional PutItem (in progress) and an UpdateItem (completed) per target.
  const dynamoDbWrites = countedWrites > 0 ? per1000(countedWrites, notified) : 2_000;
  return {
    notified,
    sqsByOperation,
    invocationsByFunction,
    dynamoByOperation,
    sqs,
    invocations,
    dynamoDbWrites,
    dynamoDbWritesCounted: countedWrites > 0,
    estimate: estimateCost({ sqsRequests: sqs, lambdaInvocations: invocations, dynamoDbWrites }),
  };
};

const apiCallSection = (results: BenchResults): string[] => {
  if (results.apiCalls.length === 0) return [];
  const out: string[] = ['## 1. ECS/EC2 API calls per fan-out', ''];
  out.push(
    'Calls the simulated ECS and EC2 endpoints received for one event, counted by the simulator. **Cold**: the first event in a fresh',
    'process (no handler cache holds anything). **Warm**: a second event through the same functions (task definition revisions and',
    'container instance addresses cached). Every run was checked to notify every expected target exactly once.',
    '',
    '**Minimum** is what any correct implementation needs, from the shape and the APIs\' limits (ListServices and ListTasks 100 a',
    'page, DescribeServices 10 a call, DescribeTasks and DescribeContainerInstances 100, DescribeTaskDefinition 1 per distinct',
    'revision, EC2 DescribeInstances up to 1,000 ids): the cheaper of two strategies, *service-scoped* (list and describe every service,',
    'read every service\'s revision because the labels live there, list each opted-in service\'s tasks, describe them pooled 100 a call)',
    'and *cluster-scoped* (list and describe every task of the cluster, read each revision). Warm, revisions and instance addresses',
    'are known (immutable), so those calls drop to 0. Symbols: S services, O opted-in services, T tasks per service, C container',
    'instances, Cused instances hosting opted-in tasks, R revisions per service.',
    '',
    '**Original design** (a model, no caches so cold = warm): the shared ListServices / DescribeServices, **one DescribeTaskDefinition',
    'per service per event**, ListTasks and DescribeTasks per opted-in service, and for **every opted-in service a ListContainerInstances,',
    'a DescribeContainerInstances and one EC2 DescribeInstances per container instance** of the cluster.',
    '',
    'The service-scoped minimum is shown too: it is the architecture this pipeline shares (one message per service).',
    '',
    'Where this pipeline exceeds the minimum: it lists and describes tasks per service (one service message per service, so each',
    'service\'s tasks are found by one task discovery record) where the cluster-scoped minimum pools them, and warm it still lists and',
    'describes the services. The simulator runs each function\'s concurrent invocations in one process, so they share one cache; on',
    'Lambda every concurrent execution environment fills its own, so cold cached calls can be up to the concurrency times higher.',
    '',
  );
  const summaries = results.apiCalls.map(summarizeApiCalls);
  out.push(
    markdownTable(
      [
        'Shape',
        'Ours cold',
        'Ours warm',
        'Minimum cold',
        'Minimum warm',
        'Service-scoped minimum cold / warm',
        'Original',
        'Original / ours (cold)',
        'Original / ours (warm)',
        'Ours / minimum (cold)',
        'Ours / minimum (warm)',
        'All notified once',
      ],
      summaries.map((s) => [
        s.shape.title,
        s.oursCold,
        s.oursWarm,
        `${s.minimumCold.total} (${s.minimumCold.strategy})`,
        `${s.minimumWarm.total} (${s.minimumWarm.strategy})`,
        `${s.serviceScopedCold} / ${s.serviceScopedWarm}`,
        s.original.total,
        formatRatio(ratio(s.original.total, s.oursCold)),
        formatRatio(ratio(s.original.total, s.oursWarm)),
        formatRatio(ratio(s.oursCold, s.minimumCold.total)),
        formatRatio(ratio(s.oursWarm, s.minimumWarm.total)),
        s.complete ? 'yes' : '**NO**',
      ]),
    ),
    '',
    '![ECS/EC2 API calls per fan-out](chart.svg)',
    '',
  );
  for (const [index, entry] of results.apiCalls.entries()) {
    const s = summaries[index]!;
    out.push(`### ${s.shape.title}`, '');
    const rows = OPERATIONS.map((operation) => [
      operation,
      entry.measured.cold.counts[operation] ?? 0,
      entry.measured.warm.counts[operation] ?? 0,
      callsOf(s.minimumCold, operation),
      formulaOf(s.minimumCold, operation),
      callsOf(s.minimumWarm, operation),
      callsOf(s.original, operation),
      formulaOf(s.original, operation),
    ]).filter((row) => row.slice(1).some((cell) => cell !== 0 && cell !== '-'));
    rows.push(['**Total**', s.oursCold, s.oursWarm, s.minimumCold.total, '', s.minimumWarm.total, s.original.total, '']);
    out.push(
      markdownTable(['Operation', 'Ours cold', 'Ours warm', 'Minimum cold', 'Minimum formula', 'Minimum warm', 'Original', 'Original formula'], rows),
      '',
    );
    const other = { ...entry.measured.cold.other };
    if (Object.keys(other).length > 0) {
      out.push(`Other calls (cold, outside the model): ${Object.entries(other).map(([key, value]) => `${key} ${value}`).join(', ')}.`, '');
    }
    out.push(
      `Notified: cold ${entry.measured.cold.notified}/${entry.measured.expectedTargets}, warm ${entry.measured.warm.notified}/${entry.measured.expectedTargets}; ` +
        `duplicates ${entry.measured.cold.duplicates + entry.measured.warm.duplicates}.`,
      '',
    );
  }
  return out;
};

const latencySection = (results: BenchResults): string[] => {
  const latency = results.latency;
  if (!latency || latency.runs.length === 0) return [];
  const l = summarizeLatency(latency);
  return [
    '## 2. Event to last task notified',
    '',
    `${latency.targets.toLocaleString('en-US')} tasks across ${latency.services} services (awsvpc), through the whole local pipeline: observer queue, service discovery,`,
    'service queue, task discovery, task queue, task notify with its idempotency store in dynalite, HTTP listeners on loopback.',
    '**Pipeline** is observer message sent to the last target\'s first 2xx POST (listener clock); **first task notified** shows how',
    'much of it is discovery (service discovery, task discovery, the first notify batch); **drained** adds the simulator\'s',
    'detection that every queue is empty. **Bare loop**, in the same process right after each event: the same bodies POSTed to the same',
    `listeners with \`handlers/notify.ts\`'s own \`notifyTask\`, one keep-alive agent, ${latency.concurrency} in flight (the pipeline's`,
    `${results.settings.lambdaConcurrency} concurrent task notify invocations x ${results.settings.batchSizes['task-notify']} records per batch, processed in parallel). Run 1 is cold.`,
    '',
    markdownTable(
      ['Run', 'First task notified', 'Pipeline (last task)', 'Drained', 'Bare loop', 'Pipeline / bare', 'Notified (pipeline)', 'Duplicates', 'Notified (bare)'],
      [
        ...latency.runs.map((run) => [
          run.run,
          formatMs(run.firstNotifiedMs),
          formatMs(run.pipelineMs),
          formatMs(run.drainMs),
          formatMs(run.bareLoopMs),
          formatRatio(ratio(run.pipelineMs, run.bareLoopMs)),
          run.notified,
          run.duplicates,
          run.bareNotified,
        ]),
        ['**Median**', formatMs(median(latency.runs.map((run) => run.firstNotifiedMs))), formatMs(l.pipelineMedianMs), formatMs(l.drainMedianMs), formatMs(l.bareMedianMs), `**${formatRatio(l.ratio)}**`, '', '', ''],
      ],
    ),
    '',
    'The difference is the per-record work the bare loop skips: message validation, two idempotency writes per target in dynalite,',
    'SQS receive, send and delete in the simulator, log lines, and batches waiting for a free invocation slot. On AWS those',
    'steps are network calls with their own latencies, so this ratio describes this machine\'s local stack, not a deployment.',
    '',
    `Peak RSS of the measuring process (simulator, dynalite, 1,000 listeners, the three handlers): **${formatBytes(latency.peakRssBytes)}**.`,
    '',
  ];
};

const coldStartSection = (results: BenchResults): string[] => {
  const coldStart = results.coldStart;
  if (!coldStart) return [];
  return [
    '## 3. Cold start',
    '',
    `Bundle size, and module load time: the median wall time of ${results.settings.coldStartRuns} fresh \`node -e "require(bundle)"\` processes minus`,
    `the median of bare \`node -e ''\` processes run interleaved with them (bare median ${formatMs(coldStart.bareNodeMs)}).`,
    '**Ours**: `bin/bundle-handlers.ts` as the construct ships it (esbuild, ESM sources tree shaken, minified; size of `index.js`',
    'without its separate source map); *as deployed* adds `NODE_OPTIONS=--enable-source-maps`, which the construct sets.',
    '**Naive**: the same entry bundled with esbuild, tree shaking off and the CommonJS builds (whole SDK clients, every command), not minified.',
    '',
    markdownTable(
      ['Handler', 'Ours size', 'Naive size', 'Naive / ours size', 'Ours load', 'Ours load as deployed', 'Naive load', 'Naive / ours load'],
      coldStartRows(coldStart).map((row) => [
        row.handler,
        row.ours ? formatBytes(row.ours.bytes) : '-',
        row.naive ? formatBytes(row.naive.bytes) : '-',
        row.ours && row.naive ? formatRatio(ratio(row.naive.bytes, row.ours.bytes)) : '-',
        row.ours ? formatMs(row.ours.loadMs) : '-',
        row.oursWithMaps ? formatMs(row.oursWithMaps.loadMs) : '-',
        row.naive ? formatMs(row.naive.loadMs) : '-',
        row.ours && row.naive ? formatRatio(ratio(row.naive.loadMs, row.ours.loadMs)) : '-',
      ]),
    ),
    '',
  ];
};

const costSection = (results: BenchResults): string[] => {
  const latency = results.latency;
  if (!latency || latency.runs.length === 0) return [];
  const c = costPer1000(latency);
  const sizes = results.settings.batchSizes;
  return [
    '## 4. Cost per 1,000 tasks notified',
    '',
    `From the simulator's counters for each event of section 2 (median per operation over the runs, scaled to 1,000 notified tasks).`,
    `Batch sizes: service discovery ${sizes['service-discovery']}, task discovery ${sizes['task-discovery']}, task notify ${sizes['task-notify']};`,
    `${results.settings.lambdaConcurrency} concurrent invocations per function. SendMessageBatch carries up to 10 messages. The simulated event source`,
    'mapping counts one ReceiveMessage per batch it takes and never polls an empty queue; a real mapping also long-polls idle queues,',
    'a fixed cost per queue and hour that does not grow with the number of tasks, not included here.',
    '',
    markdownTable(
      ['SQS operation', 'Requests per 1,000 tasks'],
      [...Object.entries(c.sqsByOperation).map(([op, count]) => [op, Math.round(per1000(count, c.notified))]), ['**Total**', Math.round(c.sqs)]],
    ),
    '',
    markdownTable(
      ['Lambda function', 'Invocations per 1,000 tasks'],
      [
        ...Object.entries(c.invocationsByFunction).map(([fn, count]) => [fn, Math.round(per1000(count, c.notified))]),
        ['**Total**', Math.round(c.invocations)],
      ],
    ),
    '',
    `Idempotency store writes per 1,000 tasks: ${Math.round(c.dynamoDbWrites).toLocaleString('en-US')} ` +
      (c.dynamoDbWritesCounted ? '(counted).' : '(modelled: a conditional PutItem and an UpdateItem per target; the simulator does not count DynamoDB calls).'),
    '',
    `Dollar estimate, **assuming** list prices (us-east-1, 2025, free tiers ignored, Lambda GB-seconds not included): SQS USD ${(LIST_PRICES_USD.sqsRequest * 1e6).toFixed(2)} per million`,
    `requests, Lambda USD ${(LIST_PRICES_USD.lambdaRequest * 1e6).toFixed(2)} per million invocations, DynamoDB on-demand USD ${(LIST_PRICES_USD.dynamoDbWrite * 1e6).toFixed(3)} per million write units:`,
    `SQS ${formatUsd(c.estimate.sqsUsd)} + Lambda ${formatUsd(c.estimate.lambdaUsd)} + DynamoDB ${formatUsd(c.estimate.dynamoDbUsd)} = **${formatUsd(c.estimate.totalUsd)} per 1,000 tasks notified**.`,
    '',
  ];
};

/** bench/RESULTS.md. */
export const renderResults = (results: BenchResults): string => {
  const out: string[] = [
    '# Benchmark results',
    '',
    `Generated by \`npm run bench\` (bench/run.ts) in ${Math.round(results.durationS)} s on: **${describeMachine(results.machine)}**.`,
    'Absolute numbers vary between machines; the ratios, measured within this one run, are the result.',
    '',
    '## Headline ratios',
    '',
    ...headlines(results).map((line) => `- ${line}`),
    '',
  ];
  if (results.missing.length > 0) {
    out.push('**Not measured in this run:**', '', ...results.missing.map((line) => `- ${line}`), '');
  }
  out.push(...apiCallSection(results), ...latencySection(results), ...coldStartSection(results), ...costSection(results));
  return `${out.join('\n').trimEnd()}\n`;
};
