/**
 * The cluster allowlist (`ALLOWED_CLUSTERS`). An event for any other cluster is refused before a
 * single ECS call, so whoever can write to the observer queue cannot steer the pipeline elsewhere.
 */

const CLUSTER_ARN = /^arn:(aws[a-z-]*):ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/;

export interface ClusterRef {
  name: string;
  /** Present when the reference was an ARN. */
  arn?: string;
  region?: string;
  account?: string;
}

export const parseClusterRef = (value: string): ClusterRef => {
  const match = CLUSTER_ARN.exec(value.trim());
  if (match) return { name: match[4]!, arn: match[0], region: match[2]!, account: match[3]! };
  return { name: value.trim() };
};

/** The cluster name of a name or ARN. */
export const clusterName = (value: string): string => parseClusterRef(value).name;

/** Parses the comma separated allowlist; an empty list is a configuration error. */
export const parseAllowedClusters = (csv: string): ClusterRef[] => {
  const refs = csv
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map(parseClusterRef);
  if (refs.length === 0) throw new Error('ALLOWED_CLUSTERS must name at least one cluster');
  return refs;
};

/**
 * Whether `cluster` (name or ARN) is on the allowlist. A bare name resolves in the function's own
 * account and region, so an ARN matches a name entry (and a name matches an ARN entry) only when
 * that ARN is in `region` and `account`; each check applies when the value is known.
 */
export const isClusterAllowed = (
  cluster: string,
  allowed: readonly ClusterRef[],
  region?: string,
  account?: string,
): boolean => {
  const ref = parseClusterRef(cluster);
  return allowed.some((entry) => {
    if (entry.name !== ref.name) return false;
    if (ref.arn && entry.arn) return ref.arn === entry.arn;
    const arnSide = ref.arn ? ref : entry.arn ? entry : undefined;
    if (!arnSide) return true;
    return (region === undefined || arnSide.region === region) && (account === undefined || arnSide.account === account);
  });
};

/** The account id in a Lambda function ARN (`context.invokedFunctionArn`), if it has one. */
export const accountOfFunctionArn = (functionArn: string | undefined): string | undefined =>
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{12}):function:/.exec(functionArn ?? '')?.[1];
