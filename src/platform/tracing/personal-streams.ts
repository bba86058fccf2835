/**
 * Categories whose stream id is derived from personal data: an email reservation is named by an
 * HMAC of the company and the address (or, if recorded before the HMAC, a plain hash of them), a
 * stable pseudonym of the address that a trace backend has no need for. Spans name the category
 * alone, wherever the name would appear: a store span's stream, a request's path.
 */
const PERSONAL_STREAM_CATEGORIES = ['useremail-'];

/** The stream as a span may name it: `useremail-…` for a personal category, else the stream itself. */
export function streamForSpan(stream: string): string {
  const personal = PERSONAL_STREAM_CATEGORIES.find((category) => stream.startsWith(category));
  return personal ? `${personal}…` : stream;
}
