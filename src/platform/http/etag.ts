import { HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ProblemException } from './problem-details';

/**
 * Optimistic concurrency for admins (RFC 9110 §13.1.1): every resource answers with its stream
 * revision as a strong `ETag`; `PATCH`/`PUT` may send it back in `If-Match`, and a stale one is `412`.
 */
export function setETag(reply: FastifyReply, revision: number): void {
  reply.header('ETag', `"${revision}"`);
}

/** The revision an `If-Match` header names; undefined when absent or `*` (any current representation). */
export function ifMatchRevision(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*"(\d{1,15})"\s*$/.exec(header);
  if (!match) {
    throw new ProblemException(
      HttpStatus.BAD_REQUEST,
      'If-Match takes one strong ETag as returned, e.g. "3"',
      'invalid_if_match',
    );
  }
  return Number(match[1]);
}
