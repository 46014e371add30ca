import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Problem } from '../errors/problem.ts';
import { timeOrderedUuid } from '../pipeline/exchange.ts';

/** What Node refuses before the gateway sees a request, as the catalogue's problems. */
function refusalOf(code: string | undefined): Problem {
  if (code === 'HPE_HEADER_OVERFLOW') return new Problem('REQUEST_HEADERS_TOO_LARGE', 'The request line and headers are over the listener\'s limit.');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') return new Problem('REQUEST_TIMEOUT', 'The request did not arrive in time.');
  return new Problem('BAD_REQUEST', `The request is not valid HTTP/1.1 (${code ?? 'parse error'}).`);
}

/**
 * Node answers a request it cannot parse (or one too slow to arrive) itself, with a bare status
 * line. Where it lets the listener answer (`clientError`, the socket still writable), the answer
 * is a problem+json like every other refusal, and the connection is closed.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const problem = refusalOf(error.code);
    const body = JSON.stringify(problem.toDocument(timeOrderedUuid()));
    socket.end([
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}`,
      'content-type: application/problem+json',
      `content-length: ${Buffer.byteLength(body)}`,
      'cache-control: no-store',
      'connection: close',
      '',
      body,
    ].join('\r\n'));
  });
}
