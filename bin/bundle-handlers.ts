/**
 * Bundles the three Lambda handlers with esbuild (locally: no Docker) into
 * `assets/handlers/<name>/index.js` (+ `index.js.map`). The construct deploys these pre-built bundles,
 * so neither `cdk synth` nor a consumer of the published package needs esbuild.
 *
 * Everything is bundled, the AWS SDK included: the deployed code runs exactly the SDK version pinned
 * in package-lock.json instead of whatever the Lambda runtime happens to ship.
 *
 * Usage: `tsx bin/bundle-handlers.ts [--outdir DIR] [--no-minify]` (`npm run build:handlers`).
 */
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { build, type BuildOptions, type Metafile } from 'esbuild';

/** The handlers, by bundle directory name: entry `handlers/<name>.ts`. */
export const HANDLERS = ['service-discovery', 'task-discovery', 'task-notify'] as const;

const ROOT = path.resolve(__dirname, '..');

export interface BundleHandlersOptions {
  /** Output directory; each handler goes to `<outdir>/<name>/index.js`. Default: `assets/handlers`. */
  outdir?: string;
  /** Minify (identifiers, whitespace, syntax). Default: true. */
  minify?: boolean;
  /** Source maps in a separate `index.js.map`, linked from the bundle. Default: true. */
  sourcemap?: boolean;
  /** Entry files by bundle name. Default: `handlers/<name>.ts` for each of {@link HANDLERS}. */
  entries?: Readonly<Record<string, string>>;
  /** Packages left out of the bundle (for example `@aws-sdk/*` for a naive variant). Default: none. */
  external?: string[];
  /** Any other esbuild options, applied last (the benchmark's variants). */
  esbuild?: Partial<BuildOptions>;
}

/** One bundle written. */
export interface BundleResult {
  name: string;
  /** Path of `index.js`. */
  file: string;
  /** Size of `index.js` in bytes. */
  bytes: number;
  metafile: Metafile;
}

/** The default entries: `handlers/<name>.ts`. */
export const defaultEntries = (): Record<string, string> =>
  Object.fromEntries(HANDLERS.map((name) => [name, path.join(ROOT, 'handlers', `${name}.ts`)]));

/** esbuild options of one bundle: Node.js 22 (the Lambda runtime), CommonJS, everything bundled. */
export const bundleOptions = (entry: string, outfile: string, options: BundleHandlersOptions = {}): BuildOptions => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: options.minify ?? true,
  // `linked`: the map is a separate file (`index.js.map`) AND the bundle ends with its
  // `sourceMappingURL` comment, which `--enable-source-maps` needs (`external` omits the comment).
  sourcemap: (options.sourcemap ?? true) ? 'linked' : false,
  sourcesContent: false,
  // Powertools and the SDK ship ESM and CJS; prefer the ESM `module` field for better tree shaking.
  mainFields: ['module', 'main'],
  external: options.external ?? [],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  ...options.esbuild,
});

/** Bundles every entry; returns what was written. The output directory of each handler is emptied first. */
export const bundleHandlers = async (options: BundleHandlersOptions = {}): Promise<BundleResult[]> => {
  const outdir = path.resolve(options.outdir ?? path.join(ROOT, 'assets', 'handlers'));
  const entries = options.entries ?? defaultEntries();
  const results: BundleResult[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    const dir = path.join(outdir, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'index.js');
    const result = await build(bundleOptions(entry, file, options));
    const metafile = result.metafile!;
    const output = Object.entries(metafile.outputs).find(([out]) => out.endsWith('index.js'));
    results.push({ name, file, bytes: output?.[1].bytes ?? 0, metafile });
  }
  return results;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: { outdir: { type: 'string' }, 'no-minify': { type: 'boolean', default: false } },
  });
  const results = await bundleHandlers({ outdir: values.outdir, minify: !values['no-minify'] });
  for (const result of results) {
    console.log(`${result.name}: ${path.relative(process.cwd(), result.file)} (${(result.bytes / 1024).toFixed(1)} KiB)`);
  }
};

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
