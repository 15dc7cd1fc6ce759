import { DEFAULT_LABELS } from './constants';

/** The environment variable `name`, or a clear error naming it. */
export const requireEnv = (name: string, env: NodeJS.ProcessEnv = process.env): string => {
  const value = env[name]?.trim();
  if (!value) throw new Error(`Environment variable ${name} is required`);
  return value;
};

/** Label names, overridable with `PORT_LABEL`, `URI_LABEL`, `TOPICS_LABEL`. */
export interface LabelNames {
  port: string;
  uri: string;
  topics: string;
}

export const labelNamesFromEnv = (env: NodeJS.ProcessEnv = process.env): LabelNames => ({
  port: env.PORT_LABEL?.trim() || DEFAULT_LABELS.port,
  uri: env.URI_LABEL?.trim() || DEFAULT_LABELS.uri,
  topics: env.TOPICS_LABEL?.trim() || DEFAULT_LABELS.topics,
});

/** A positive integer from the environment, `fallback` when unset; a bad value is an error. */
export const positiveIntEnv = (name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number => {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`Environment variable ${name} must be a positive integer, got "${raw}"`);
  }
  return value;
};
