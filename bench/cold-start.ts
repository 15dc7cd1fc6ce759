import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { bundleHandlers } from '../bin/bundle-handlers';
import { median } from './stats';

/**
 * Cold start of the handler bundles: size on disk and module load time, measured as the median
 * wall time of fresh `node` processes that require the bundle, minus the median of bare
 * `node -e ''` processes run interleaved with them (so drift hits both alike).
 */

/** Where a variant of a handler bundle was written. */
export interface BundleFile {
  handler: string;
  variant: string;
  file: string;
  /** Extra `node` flags the variant runs with (e.g. `--enable-source-maps`, as the construct sets). */
  nodeArgs?: readonly string[];
}

/** esbuild overrides of the naive variant: whole SDK clients (tree shaking off, CommonJS builds), readable output. */
export const NAIVE_BUNDLE = {
  minify: false,
  sourcemap: false,
  esbuild: { treeShaking: false, mainFields: ['main', 'module'] },
} as const;

/**
 * Bundles every handler under `outRoot`: `ours/<name>/index.js` exactly as the construct ships it
 * (bin/bundle-handlers.ts defaults: minified, linked source map), measured plain (`ours`) and as
 * deployed with `NODE_OPTIONS=--enable-source-maps` (`ours+maps`); and `naive/<name>/index.js`.
 */
export const bundleVariants = async (outRoot: string): Promise<BundleFile[]> => {
  const ours = await bundleHandlers({ outdir: path.join(outRoot, 'ours') });
  const naive = await bundleHandlers({
    outdir: path.join(outRoot, 'naive'),
    minify: NAIVE_BUNDLE.minify,
    sourcemap: NAIVE_BUNDLE.sourcemap,
    esbuild: { ...NAIVE_BUNDLE.esbuild, mainFields: [...NAIVE_BUNDLE.esbuild.mainFields], logLevel: 'error' },
  });
  return [
    ...ours.map((bundle) => ({ handler: bundle.name, variant: 'ours', file: bundle.file })),
    ...ours.map((bundle) => ({ handler: bundle.name, variant: 'ours+maps', file: bundle.file, nodeArgs: ['--enable-source-maps'] })),
    ...naive.map((bundle) => ({ handler: bundle.name, variant: 'naive', file: bundle.file })),
  ];
};

/** Wall time in ms of one fresh `node` process running `args`; throws with its stderr if it fails. */
export const timeNodeProcess = (args: readonly string[], env: NodeJS.ProcessEnv): number => {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...args], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (${result.status}): ${result.stderr.slice(0, 2_000)}`);
  return elapsed;
};

export interface LoadTime {
  handler: string;
  variant: string;
  bytes: number;
  /** Median wall time of `node -e "require(bundle)"`. */
  medianProcessMs: number;
  /** `medianProcessMs` minus the median bare `node -e ''` start. */
  loadMs: number;
  samples: number[];
}

export interface ColdStartResult {
  bareNodeMs: number;
  bareSamples: number[];
  bundles: LoadTime[];
}

/**
 * Measures every bundle `runs` times, interleaving bare starts, after one unmeasured warm-up round
 * (file system cache). `env` must satisfy what the handlers read at import time.
 */
export const measureColdStart = (bundles: readonly BundleFile[], runs: number, env: NodeJS.ProcessEnv): ColdStartResult => {
  const bare = ['-e', ''];
  const requireArgs = (bundle: BundleFile) => [...(bundle.nodeArgs ?? []), '-e', `require(${JSON.stringify(bundle.file)})`];
  for (const bundle of bundles) timeNodeProcess(requireArgs(bundle), env);
  timeNodeProcess(bare, env);
  const bareSamples: number[] = [];
  const samples = bundles.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    bareSamples.push(timeNodeProcess(bare, env));
    bundles.forEach((bundle, index) => samples[index]!.push(timeNodeProcess(requireArgs(bundle), env)));
  }
  const bareNodeMs = median(bareSamples);
  return {
    bareNodeMs,
    bareSamples,
    bundles: bundles.map((bundle, index) => {
      const medianProcessMs = median(samples[index]!);
      return {
        handler: bundle.handler,
        variant: bundle.variant,
        bytes: statSync(bundle.file).size,
        medianProcessMs,
        loadMs: medianProcessMs - bareNodeMs,
        samples: samples[index]!,
      };
    }),
  };
};
