import express, { type RequestHandler } from 'express';
import { Problem } from '../errors/problem.ts';

/**
 * Request bodies of the admin API. Small documents, so never compressed: `inflate: false` answers
 * a `Content-Encoding` with 415 rather than running a decompressor on what a caller sent.
 */
export function adminJson(limit: string): RequestHandler {
  return express.json({ limit, inflate: false });
}

export function adminText(type: string[], limit: string): RequestHandler {
  return express.text({ type, limit, inflate: false });
}

/** body-parser's refusals (http-errors with a `type`) as the catalogue's problems; undefined for anything else. */
export function bodyProblem(error: unknown): Problem | undefined {
  if (error instanceof Problem || typeof error !== 'object' || error === null) return undefined;
  const { type, status, limit } = error as { type?: unknown; status?: unknown; limit?: unknown };
  if (typeof type !== 'string' || typeof status !== 'number') return undefined;
  switch (type) {
    case 'entity.too.large':
      return new Problem('PAYLOAD_TOO_LARGE', `The request body exceeds the limit of ${String(limit)} bytes.`, { limitBytes: limit }, { connection: 'close' });
    case 'charset.unsupported':
      return new Problem('UNSUPPORTED_MEDIA_TYPE', 'The admin API reads bodies in UTF-8 (JSON, RFC 8259) only.');
    case 'encoding.unsupported':
      return new Problem('UNSUPPORTED_MEDIA_TYPE', 'The admin API takes bodies without Content-Encoding (no compression).');
    case 'entity.parse.failed':
      return new Problem('MALFORMED_JSON', `The request body is not valid JSON: ${(error as Error).message}`);
    default:
      // Aborted, of a wrong declared size, and the like: the caller's request, not the gateway.
      return status >= 400 && status < 500 ? new Problem('BAD_REQUEST', 'The request body could not be read.') : undefined;
  }
}
