import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../../src/platform/http/problem-details';
import { OAuthError, type OAuthErrorCode } from '../../src/oauth/oauth-error';

/** What `fn` throws; fails the test when it throws nothing. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal, but nothing was thrown');
}

/** An OAuthError with this code and HTTP status, returned for further assertions. */
export function expectOAuthError(
  fn: () => unknown,
  error: OAuthErrorCode,
  status = HttpStatus.BAD_REQUEST,
): OAuthError {
  const thrown = thrownBy(fn);
  expect(thrown).toBeInstanceOf(OAuthError);
  expect(thrown).toMatchObject({ error, status });
  return thrown as OAuthError;
}

/** An RFC 9457 problem with this status and code. */
export function expectProblem(fn: () => unknown, status: number, code: string): void {
  const thrown = thrownBy(fn);
  expect(thrown).toBeInstanceOf(ProblemException);
  expect((thrown as ProblemException).getStatus()).toBe(status);
  expect((thrown as ProblemException).code).toBe(code);
}
