import { OAuthError } from './oauth-error';

const MAX_PARAMETER_LENGTH = 4096;

/** A request's parameters, from a form or JSON body or a query string, not yet trusted. */
export type RawParameters = Readonly<Record<string, unknown>>;

/**
 * One OAuth parameter as a string, or undefined when absent. RFC 6749 §3.1/§3.2: parameters sent
 * without a value are absent, and none may appear twice. A value that is not a string (a JSON
 * object, array or number, or a repeated form field) is refused rather than interpreted.
 */
export function parameter(parameters: RawParameters | undefined, name: string): string | undefined {
  const value = parameters?.[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new OAuthError('invalid_request', `${name} must be given once, as a string`);
  if (value.length > MAX_PARAMETER_LENGTH) throw new OAuthError('invalid_request', `${name} is too long`);
  return value;
}

export function requiredParameter(parameters: RawParameters | undefined, name: string): string {
  const value = parameter(parameters, name);
  if (value === undefined) throw new OAuthError('invalid_request', `${name} is required`);
  return value;
}

/** The body as parameters: an object from a form or JSON body; anything else is no parameters at all. */
export function bodyParameters(body: unknown): RawParameters {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new OAuthError('invalid_request', 'the body must be form-encoded parameters or a JSON object');
  }
  return body as RawParameters;
}
