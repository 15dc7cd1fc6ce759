import { writeFileSync } from 'node:fs';
import { measureApiCalls } from './api-calls';
import { measureLatency } from './latency';
import { API_CALL_SHAPES, LATENCY_SHAPE } from './shapes';

/**
 * One measurement in its own process, so handler caches start empty (cold) and peak RSS is this
 * measurement's alone. Usage: `node --import tsx bench/child.ts <api-calls SHAPE_ID | latency RUNS> <result.json>`.
 * Progress goes to stderr; the result is written as JSON to the file.
 */
const main = async (): Promise<void> => {
  const [job, argument, out] = process.argv.slice(2);
  if (!job || !argument || !out) throw new Error('usage: child.ts <api-calls SHAPE_ID | latency RUNS> <result.json>');
  const progress = (line: string): void => void process.stderr.write(`  ${line}\n`);
  let result: unknown;
  if (job === 'api-calls') {
    const shape = API_CALL_SHAPES.find((candidate) => candidate.id === argument);
    if (!shape) throw new Error(`unknown shape ${argument}`);
    result = await measureApiCalls(shape);
  } else if (job === 'latency') {
    result = await measureLatency(LATENCY_SHAPE, Number(argument), progress);
  } else {
    throw new Error(`unknown job ${job}`);
  }
  writeFileSync(out, JSON.stringify(result));
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
