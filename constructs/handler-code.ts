import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The three handlers: entry `handlers/<name>.ts`, bundle `assets/handlers/<name>/index.js`. */
export const HANDLER_NAMES = ['service-discovery', 'task-discovery', 'task-notify'] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

/**
 * Where the pre-built bundles live, relative to this file: `../assets/handlers` from the sources
 * (`constructs/`), `../../assets/handlers` from the compiled library (`dist/constructs/`).
 */
const CANDIDATE_DIRS = [
  path.join(__dirname, '..', 'assets', 'handlers'),
  path.join(__dirname, '..', '..', 'assets', 'handlers'),
] as const;

/** The directory holding the bundle of `name`, or a clear error telling how to build it. */
export const handlerBundleDir = (name: HandlerName, candidates: readonly string[] = CANDIDATE_DIRS): string => {
  for (const dir of candidates) {
    const bundle = path.join(dir, name);
    if (existsSync(path.join(bundle, 'index.js'))) return bundle;
  }
  throw new Error(
    `The ${name} handler bundle is missing (looked for index.js in ${candidates.map((dir) => path.join(dir, name)).join(', ')}): ` +
      'run npm run build:handlers',
  );
};

/** Lambda code of `name` from its pre-built bundle: synth needs neither esbuild nor Docker. */
export const handlerCode = (name: HandlerName): lambda.Code => lambda.Code.fromAsset(handlerBundleDir(name));
