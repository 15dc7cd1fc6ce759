/**
 * Turns unmarshalled DynamoDB values into plain JSON: string/number sets become arrays and numbers
 * beyond JavaScript's safe integer range (BigInt) become their decimal string, so the event detail
 * survives `JSON.stringify` unchanged on its way to the tasks.
 */
export const toPlainJson = (value: unknown): unknown => {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Set) return [...value].map(toPlainJson);
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toPlainJson(item)]));
  }
  return value;
};
