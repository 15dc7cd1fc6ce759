import { Duration, Token } from 'aws-cdk-lib';

/**
 * Synth-time checks. Every error names the prop it is about, so a wrong value fails `cdk synth` with a
 * message that says what to change instead of failing a deployment (or worse, a notification) later.
 */

/** An integer in `[min, max]`; tokens cannot be checked at synth and pass. */
export const assertIntegerInRange = (prop: string, value: number | undefined, min: number, max: number): void => {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} must be an integer from ${min} to ${max}, got ${value}`);
  }
};

/** A Duration of whole `unit`s in `[min, max]` (both inclusive); returns the value in milliseconds. */
export const assertDuration = (
  prop: string,
  value: Duration,
  options: { min: Duration; max: Duration; unit: 'milliseconds' | 'seconds' },
): number => {
  if (value.isUnresolved()) throw new Error(`${prop} must be a literal Duration, not a token`);
  const ms = value.toMilliseconds();
  const whole = options.unit === 'seconds' ? ms % 1000 === 0 : Number.isInteger(ms);
  if (!whole) throw new Error(`${prop} must be a whole number of ${options.unit}, got ${value.toHumanString()}`);
  if (ms < options.min.toMilliseconds() || ms > options.max.toMilliseconds()) {
    throw new Error(
      `${prop} must be from ${options.min.toHumanString()} to ${options.max.toHumanString()}, got ${value.toHumanString()}`,
    );
  }
  return ms;
};

/** A non-empty label name (docker label keys are free text, but whitespace or commas would never match). */
export const assertLabelName = (prop: string, value: string | undefined): void => {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!/^[^\s,=]{1,255}$/.test(value)) {
    throw new Error(`${prop} must be a docker label name without whitespace, commas or "=", got "${value}"`);
  }
};

/** A topic as the containers' topics label lists it: no commas or surrounding whitespace. */
export const assertTopic = (prop: string, value: string | undefined): void => {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (value.length === 0 || value.length > 256 || value.includes(',') || value.trim() !== value) {
    throw new Error(`${prop} must be 1-256 characters without commas or surrounding whitespace, got "${value}"`);
  }
};

/** Lambda's limits that the construct's timeouts must respect. */
export const LAMBDA_MAX_TIMEOUT = Duration.minutes(15);
/** SQS's maximum visibility timeout. */
export const SQS_MAX_VISIBILITY_TIMEOUT = Duration.hours(12);
/** AWS's recommendation: a queue's visibility timeout is at least six times its consumer's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
