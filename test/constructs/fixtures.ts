import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { bundleHandlers, HANDLERS } from '../../bin/bundle-handlers';

/** Fixed environment of the test stacks, so ARNs are literal except the partition. */
export const ENV = { account: '123456789012', region: 'eu-west-1' } as const;

const ASSETS = path.join(__dirname, '..', '..', 'assets', 'handlers');

/**
 * The construct deploys pre-built bundles; `npm ci` builds them (prepare). Build them here only if a
 * developer's checkout lacks them, so the construct tests never depend on step order.
 */
export const ensureBundles = async (): Promise<void> => {
  if (HANDLERS.every((name) => existsSync(path.join(ASSETS, name, 'index.js')))) return;
  await bundleHandlers();
};

/** A fresh app and stack in {@link ENV}. */
export const newStack = (id = 'Test'): Stack => new Stack(new App(), id, { env: ENV });

type CfnValue = unknown;

/**
 * Renders an intrinsic-laden value as a string: `Fn::Join` is joined, `Ref` becomes `${Ref}` and
 * `Fn::GetAtt` becomes `${Id.Attr}`, so assertions read like the deployed value.
 */
export const flatten = (value: CfnValue): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return `\${${String(object.Ref)}}`;
    if ('Fn::GetAtt' in object) return `\${${(object['Fn::GetAtt'] as string[]).join('.')}}`;
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, CfnValue[]];
      return parts.map(flatten).join(separator);
    }
  }
  return JSON.stringify(value);
};

export interface Resource {
  Type: string;
  Properties: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  Metadata?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** Resources of `type` by logical id. */
export const resources = (template: Template, type: string): Record<string, Resource> =>
  template.findResources(type) as Record<string, Resource>;

/** The single resource of `type` whose logical id starts with `prefix`. */
export const resourceByPrefix = (template: Template, type: string, prefix: string): [string, Resource] => {
  const matches = Object.entries(resources(template, type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${matches.length}`);
  return matches[0]!;
};

/** A function's properties by construct id prefix, for example `NotifierTaskNotifyFunction`. */
export const lambdaFunction = (template: Template, prefix: string): Resource =>
  resourceByPrefix(template, 'AWS::Lambda::Function', prefix)[1];

/** The IAM statements attached to the role of the function whose logical id starts with `prefix`. */
export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: CfnValue;
  Condition?: Record<string, Record<string, CfnValue>>;
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: Statement): string[] =>
  (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map(flatten);

/** Statements of every inline policy attached to role `roleId`. */
export const roleStatements = (template: Template, roleId: string): Statement[] =>
  Object.values(resources(template, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as CfnValue[]).some((role) => flatten(role) === `\${${roleId}}`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);

/** Statements of the role of the function whose logical id starts with `prefix`. */
export const functionStatements = (template: Template, prefix: string): Statement[] => {
  const roleArn = lambdaFunction(template, prefix).Properties.Role as { 'Fn::GetAtt': [string, string] };
  return roleStatements(template, roleArn['Fn::GetAtt'][0]);
};
