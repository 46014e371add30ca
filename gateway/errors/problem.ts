import type { ServerResponse } from 'node:http';
import { problemCatalogue, problemType, type ProblemCode } from './catalogue.ts';
import { problemCatalogueId } from './catalogue-id.ts';
import { fillDetail } from './detail-template.ts';
import { languageHeaders, preferredLanguage, type ProblemLanguage } from './language.ts';
import { StoreUnavailable } from './store-unavailable.ts';

/** RFC 9457 problem details, with the gateway's stable `code` and any extension members. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ProblemCode;
  [extension: string]: unknown;
}

/** Thrown by a pipeline stage to refuse an exchange; turned into a problem+json answer at the edge. */
export class Problem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: ProblemCode, detail: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(detail);
    this.name = 'Problem';
    this.code = code;
    this.status = problemCatalogue[code].status;
    this.extensions = extensions;
    this.headers = headers;
  }

  /**
   * `exchangeId`: the gateway's own id of the exchange refused (the traffic log's key), when there
   * is one. `language`: the caller's (`preferredLanguage`); in Indonesian, `title` and `detail`
   * are the code's own texts, as the throw sites' specific details are English.
   */
  toDocument(requestId: string, exchangeId?: string, language: ProblemLanguage = 'en'): ProblemDocument {
    const indonesian = language === 'id' ? problemCatalogueId[this.code] : undefined;
    return {
      type: problemType(this.code),
      title: indonesian?.title ?? problemCatalogue[this.code].title,
      status: this.status,
      detail: indonesian ? fillDetail(indonesian.detail, this.extensions) : this.message,
      instance: requestId,
      code: this.code,
      ...(exchangeId === undefined ? {} : { exchangeId }),
      ...this.extensions,
    };
  }
}

/** Any thrown value as a Problem; unknown faults become INTERNAL_ERROR without leaking their message. */
export function asProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof StoreUnavailable) return new Problem('STORE_UNAVAILABLE', 'The gateway\'s store is unavailable and this request needs it; it was not taken. Retry shortly.', {}, { 'retry-after': '5' });
  return new Problem('INTERNAL_ERROR', 'The gateway could not complete the request.');
}

/**
 * Writes the problem as the whole response, in the language the request's `Accept-Language`
 * prefers. Returns the serialized body for the traffic log.
 */
export function sendProblem(res: ServerResponse, problem: Problem, requestId: string): Buffer {
  const language = preferredLanguage(res.req.headers['accept-language']);
  const body = Buffer.from(JSON.stringify(problem.toDocument(requestId, undefined, language)));
  if (res.headersSent) {
    res.destroy();
    return body;
  }
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  for (const [name, value] of Object.entries(languageHeaders(language, res.getHeader('vary')))) res.setHeader(name, value);
  res.statusCode = problem.status;
  res.setHeader('content-type', 'application/problem+json');
  res.setHeader('content-length', body.length);
  res.setHeader('cache-control', 'no-store');
  res.end(body);
  return body;
}
