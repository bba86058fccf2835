/**
 * A refusal by a decider: the command breaks a business rule. `kind` picks the HTTP status at the
 * edge (404, 409, 400); `code` is stable for clients and tests.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'invalid',
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
