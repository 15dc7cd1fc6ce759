import type { LabelNames } from './env';
import type { NotifyTarget } from './messages';

/** The part of an ECS container definition the labels live on. */
export interface LabelledContainer {
  name?: string;
  dockerLabels?: Record<string, string | undefined>;
}

/** A labelled container skipped because a label value is invalid. */
export interface LabelRejection {
  container: string;
  label: string;
  value: string;
  reason: string;
}

export interface ContainerTargets {
  /** Containers that opted in with valid labels and want this event's topic. */
  targets: NotifyTarget[];
  /** Containers that opted in with an invalid label: log them, never fail the batch for them. */
  rejected: LabelRejection[];
}

/** A port label: an integer 1-65535 (surrounding blanks tolerated). */
export const parsePortLabel = (value: string): number | undefined => {
  const trimmed = value.trim();
  if (!/^\d{1,5}$/.test(trimmed)) return undefined;
  const port = Number(trimmed);
  return port >= 1 && port <= 65_535 ? port : undefined;
};

/**
 * A URI label: a path starting with a single `/` (optionally with a query), no scheme, no host,
 * no whitespace or control characters, at most 2,048 characters.
 */
export const parseUriLabel = (value: string): string | undefined => {
  if (value.length > 2_048) return undefined;
  return /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/.test(value) ? value : undefined;
};

/** A topics label: comma separated topics; blanks around each are ignored. Empty means no filter. */
export const parseTopicsLabel = (value: string | undefined): string[] | undefined => {
  if (value === undefined) return undefined;
  const topics = value
    .split(',')
    .map((topic) => topic.trim())
    .filter((topic) => topic.length > 0);
  return topics.length > 0 ? topics : undefined;
};

/** Whether a container with `topics` (undefined: no label) wants an event of `topic`. */
export const wantsTopic = (topics: readonly string[] | undefined, topic: string | undefined): boolean =>
  topics === undefined || (topic !== undefined && topics.includes(topic));

/**
 * The notify targets of a task definition: every container carrying both the port and the URI
 * label, with valid values, whose topics (if labelled) include `topic`. A container with only one
 * of the two labels has not opted in and is ignored silently.
 */
export const containerTargets = (
  containers: readonly LabelledContainer[] | undefined,
  labels: LabelNames,
  topic: string | undefined,
): ContainerTargets => {
  const result: ContainerTargets = { targets: [], rejected: [] };
  for (const container of containers ?? []) {
    const dockerLabels = container.dockerLabels ?? {};
    const rawPort = dockerLabels[labels.port];
    const rawUri = dockerLabels[labels.uri];
    if (rawPort === undefined || rawUri === undefined || !container.name) continue;
    const port = parsePortLabel(rawPort);
    if (port === undefined) {
      result.rejected.push({ container: container.name, label: labels.port, value: rawPort, reason: 'port must be an integer from 1 to 65535' });
      continue;
    }
    const uri = parseUriLabel(rawUri);
    if (uri === undefined) {
      result.rejected.push({
        container: container.name,
        label: labels.uri,
        value: rawUri,
        reason: 'URI must be a path starting with "/" without scheme, host, whitespace or control characters',
      });
      continue;
    }
    if (!wantsTopic(parseTopicsLabel(dockerLabels[labels.topics]), topic)) continue;
    result.targets.push({ container: container.name, port, uri });
  }
  return result;
};
