/**
 * `npm run bench`: measures, on the local simulated cluster, the ECS/EC2 API calls per fan-out
 * against the minimum and the original design, event-to-last-task-notified against a bare POST loop,
 * the handlers' cold start against naive bundles, and the SQS / Lambda requests per 1,000 tasks.
 * Writes bench/RESULTS.md and bench/chart.svg and prints the results.
 *
 * Each simulated measurement runs in its own `node` process (bench/child.ts) so handler caches start
 * cold and peak memory is that measurement's own. Options: `--runs N` (latency runs, default 7),
 * `--cold-runs N` (processes per bundle, default 11), `--only api,latency,cold` (a partial run writes to bench/out/).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ApiCallMeasurement } from './api-calls';
import { barChartSvg } from './chart';
import { bundleVariants, type ColdStartResult, measureColdStart } from './cold-start';
import type { LatencyMeasurement } from './latency';
import { machineInfo } from './machine';
import { textTable } from './markdown';
import { apiCallChart, type BenchResults, renderResults, summarizeApiCalls } from './report';
import { API_CALL_SHAPES, LATENCY_SHAPE } from './shapes';
import { BENCH_SIMULATION, NOTIFY_CONCURRENCY } from './simulation-options';
import { errorMessage } from '../handlers/errors';

const BENCH_DIR = __dirname;
const OUT_DIR = path.join(BENCH_DIR, 'out');

/** Environment of the child processes: offline fake credentials, nothing reaches AWS. */
const childEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  AWS_REGION: process.env.AWS_REGION ?? 'eu-west-1',
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'bench',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'bench',
  // Node 20 locally, Node 22 on Lambda: the SDK's upgrade notice is noise here.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
});

/** Runs bench/child.ts in a fresh process and returns its JSON result. */
const runChild = <T>(job: string, argument: string): Promise<T> => {
  const out = path.join(OUT_DIR, `${job}-${argument}.json`);
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'child.ts'), job, argument, out], {
      env: childEnv(),
      // The handlers' log lines go to stdout, as in Lambda; the child reports progress on stderr.
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench child "${job} ${argument}" exited with ${code}`));
      try {
        resolve(JSON.parse(readFileSync(out, 'utf8')) as T);
      } catch (error) {
        reject(error);
      }
    });
  });
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '7' },
      'cold-runs': { type: 'string', default: '11' },
      only: { type: 'string', default: 'api,latency,cold' },
    },
  });
  const latencyRuns = Number(values.runs);
  const coldStartRuns = Number(values['cold-runs']);
  const only = new Set(values.only.split(','));
  const started = performance.now();
  mkdirSync(OUT_DIR, { recursive: true });
  const machine = machineInfo();
  const missing: string[] = [];
  console.log(`npm run bench on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`);

  const apiCalls: BenchResults['apiCalls'] = [];
  if (only.has('api')) {
    for (const shape of API_CALL_SHAPES) {
      console.log(`\n[1/4] API calls: ${shape.title}`);
      try {
        const measured = await runChild<ApiCallMeasurement>('api-calls', shape.id);
        apiCalls.push({ shape, measured });
        const summary = summarizeApiCalls({ shape, measured });
        console.log(
          textTable(
            ['operation', 'ours cold', 'ours warm', 'minimum cold (formula)', 'original (formula)'],
            summary.original.calls.map((call) => {
              const minimum = summary.minimumCold.calls.find((c) => c.operation === call.operation);
              return [call.operation, measured.cold.counts[call.operation] ?? 0, measured.warm.counts[call.operation] ?? 0, minimum?.formula ?? '0', call.formula];
            }),
          ),
        );
        console.log(
          `total: ours ${summary.oursCold} cold / ${summary.oursWarm} warm, minimum ${summary.minimumCold.total} / ${summary.minimumWarm.total}, ` +
            `original ${summary.original.total}; notified ${measured.cold.notified}+${measured.warm.notified} of ${measured.expectedTargets} each`,
        );
      } catch (error) {
        missing.push(`API calls for ${shape.title}: ${errorMessage(error)}`);
        console.error(`  failed: ${errorMessage(error)}`);
      }
    }
  }

  let latency: LatencyMeasurement | undefined;
  if (only.has('latency')) {
    console.log(`\n[2/4] Event to last task notified: ${LATENCY_SHAPE.title}, ${latencyRuns} runs`);
    try {
      latency = await runChild<LatencyMeasurement>('latency', String(latencyRuns));
    } catch (error) {
      missing.push(`Event to last task notified (and cost, section 4): ${errorMessage(error)}`);
      console.error(`  failed: ${errorMessage(error)}`);
    }
  }

  let coldStart: ColdStartResult | undefined;
  if (only.has('cold')) {
    console.log(`\n[3/4] Cold start: bundling, then ${coldStartRuns} fresh node processes per bundle`);
    try {
      const bundles = await bundleVariants(path.join(OUT_DIR, 'bundles'));
      coldStart = measureColdStart(bundles, coldStartRuns, childEnv());
    } catch (error) {
      missing.push(`Cold start: ${errorMessage(error)}`);
      console.error(`  failed: ${errorMessage(error)}`);
    }
  }

  const results: BenchResults = {
    machine,
    durationS: (performance.now() - started) / 1000,
    settings: {
      batchSizes: { ...BENCH_SIMULATION.batchSizes },
      lambdaConcurrency: BENCH_SIMULATION.lambdaConcurrency,
      notifyConcurrency: NOTIFY_CONCURRENCY,
      latencyRuns,
      coldStartRuns,
    },
    apiCalls,
    latency,
    coldStart,
    missing,
  };
  const markdown = renderResults(results);
  // A partial run (--only) must not overwrite the committed full results: it writes under bench/out.
  const complete = ['api', 'latency', 'cold'].every((part) => only.has(part));
  const target = complete ? BENCH_DIR : OUT_DIR;
  writeFileSync(path.join(target, 'RESULTS.md'), markdown);
  writeFileSync(path.join(OUT_DIR, 'results.json'), JSON.stringify(results, null, 2));
  if (apiCalls.length > 0) writeFileSync(path.join(target, 'chart.svg'), barChartSvg(apiCallChart(apiCalls.map(summarizeApiCalls))));
  console.log(`\n[4/4] Results (${path.relative(process.cwd(), path.join(target, 'RESULTS.md'))}, chart.svg beside it)\n`);
  console.log(markdown);
  if (missing.length > 0) process.exitCode = 1;
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
