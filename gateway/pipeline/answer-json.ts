import { sendJson } from '../listeners/json.ts';
import type { Exchange } from './exchange.ts';

/** Answers the exchange with a JSON document the gateway built itself, counted and hashed for the log. */
export function answerJson(ex: Exchange, document: unknown): void {
  const body = sendJson(ex.res, 200, document);
  ex.bytesOut = body.length;
  ex.responseHash.update(body);
}
