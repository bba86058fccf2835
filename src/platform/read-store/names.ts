/**
 * Collection and field names reach SQL identifiers and MongoDB paths, so both adapters accept only
 * these shapes: no `$` operators, no quoting tricks, nothing user input could smuggle in.
 */
const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}(\.[A-Za-z][A-Za-z0-9_]{0,62}){0,3}$/;

export function assertCollectionName(name: string): void {
  if (!COLLECTION_NAME.test(name)) throw new RangeError(`invalid collection name: ${JSON.stringify(name)}`);
}

export function assertFieldName(name: string): void {
  if (!FIELD_NAME.test(name)) throw new RangeError(`invalid field name: ${JSON.stringify(name)}`);
}

export function assertScalar(field: string, value: unknown): void {
  const ok = value === null || ['string', 'number', 'boolean'].includes(typeof value);
  if (!ok) throw new TypeError(`filter on ${field} must compare with a string, number, boolean or null`);
}
