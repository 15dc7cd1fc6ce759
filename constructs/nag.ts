import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A cdk-nag rule suppression with its reason (cdk-nag's `NagPackSuppression`). */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** Findings the suppression is limited to, for example `Resource::*`. */
  readonly appliesTo?: (string | { regex: string })[];
}

/**
 * Records cdk-nag suppressions on the CloudFormation resource of `construct` in cdk-nag's own metadata
 * format (`cdk_nag.rules_to_suppress`), without importing cdk-nag: consumers who run cdk-nag see the
 * construct's deliberate exceptions with their reasons, and consumers who don't need no cdk-nag.
 */
export const addNagSuppressions = (construct: IConstruct, suppressions: readonly NagSuppression[]): void => {
  const resource = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(resource instanceof CfnResource)) throw new Error(`addNagSuppressions: ${construct.node.path} has no CloudFormation resource`);
  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined)?.rules_to_suppress ?? [];
  const added = suppressions.map(({ appliesTo, ...rest }) => ({ ...rest, ...(appliesTo ? { applies_to: appliesTo } : {}) }));
  resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...added] });
};
