import type { IncomingMessage } from 'node:http';
import { Problem } from '../errors/problem.ts';

export function tooLarge(limit: number): Problem {
  return new Problem('PAYLOAD_TOO_LARGE', `The request body exceeds the limit of ${limit} bytes.`, { limitBytes: limit }, { connection: 'close' });
}

/** Refuses at once when the declared length is over the limit, before a byte is read. */
export function checkDeclaredLength(req: IncomingMessage, limit: number): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
}

/** Reads the whole body, refusing past `limit` bytes without buffering the excess. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = () => {
      cleanup();
      reject(new Problem('BAD_REQUEST', 'The request body could not be read completely.'));
    };
    const onAborted = () => onError();
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new Problem('MALFORMED_JSON', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}
