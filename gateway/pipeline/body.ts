import { isUtf8 } from 'node:buffer';
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

/**
 * What the gateway reads of a JSON body, checked in one pass over the bytes before `JSON.parse`
 * builds anything: the cost of parsing and validating a body (and of listing its errors) grows
 * with these, and within them the worst body costs a few milliseconds. Lengths are in bytes as
 * sent, escapes included. Named here until the configuration takes them (`limits.json`).
 */
export interface JsonLimits {
  /** Objects and arrays nested in one another; the document's own object or array is 1. */
  maxDepth: number;
  /** Values in the whole document: every property value and array element, and the document itself. */
  maxValues: number;
  /** One string value. */
  maxStringBytes: number;
  /** One property name. */
  maxNameBytes: number;
  /** One number. */
  maxNumberBytes: number;
}

export const defaultJsonLimits: Readonly<JsonLimits> = Object.freeze({
  maxDepth: 32,
  maxValues: 10_000,
  maxStringBytes: 65_536,
  maxNameBytes: 1_024,
  maxNumberBytes: 100,
});

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Bytes that end a number or literal: structure, whitespace, a quote. */
const delimiter = new Uint8Array(256);
for (const byte of [QUOTE, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COMMA, COLON, 0x20, 0x09, 0x0a, 0x0d]) delimiter[byte] = 1;

/** An open object (its names so far, the current one) or array (the current index). */
interface Frame { names: Set<string> | null; at: string | number }

function pointerOf(stack: readonly Frame[]): string {
  let pointer = '';
  for (const frame of stack) pointer += `/${String(frame.at).replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return pointer;
}

/** `pointer`: where in the body the limit was passed (JSON pointer). */
function tooComplex(limit: keyof JsonLimits, max: number, pointer: string, detail: string): Problem {
  return new Problem('JSON_TOO_COMPLEX', detail, { limit, max, pointer });
}

function malformed(reason: string): Problem {
  return new Problem('MALFORMED_JSON', `The request body is not valid JSON: ${reason}`);
}

/**
 * One pass over a JSON text's bytes, before it is parsed: refuses nesting, values, strings,
 * names and numbers past `limits`, and an object naming a property twice (JSON.parse keeps the
 * last value, other parsers the first: the gateway would validate one and the upstream act on the
 * other). Stops at the first excess, so a hostile body costs no more than reading up to it.
 * Syntax is left to JSON.parse: on a malformed text the scan ends quietly or refuses early.
 */
export function scanJson(body: Buffer, limits: Readonly<JsonLimits> = defaultJsonLimits): void {
  const stack: Frame[] = [];
  const end = body.length;
  let values = 0;
  let expectName = false;
  let i = 0;
  const count = () => {
    if (++values <= limits.maxValues) return;
    const at = pointerOf(stack);
    throw tooComplex('maxValues', limits.maxValues, at, `The JSON body has more than ${limits.maxValues} values (properties and array elements together; the first one over is at "${at}").`);
  };
  while (i < end) {
    const byte = body[i] as number;
    if (byte === QUOTE) {
      // The closing quote is the next one not escaped: preceded by an even run of backslashes.
      let close = i;
      for (;;) {
        close = body.indexOf(QUOTE, close + 1);
        if (close < 0) return;
        let backslash = close - 1;
        while (body[backslash] === BACKSLASH) backslash--;
        if ((close - 1 - backslash) % 2 === 0) break;
      }
      const bytes = close - i - 1;
      const top = stack.at(-1);
      if (expectName && top?.names) {
        if (bytes > limits.maxNameBytes) {
          const at = pointerOf(stack.slice(0, -1));
          throw tooComplex('maxNameBytes', limits.maxNameBytes, at, `A property name of the object at "${at}" in the JSON body is ${bytes} bytes long; at most ${limits.maxNameBytes} are read.`);
        }
        const raw = body.toString('utf8', i + 1, close);
        let name = raw;
        if (raw.includes('\\')) {
          try {
            name = JSON.parse(`"${raw}"`) as string;
          } catch (error) {
            throw malformed((error as Error).message);
          }
        }
        if (top.names.has(name)) {
          const pointer = pointerOf(stack.slice(0, -1));
          throw new Problem('JSON_DUPLICATE_KEY', `The object at "${pointer}" in the JSON body has the property "${name}" twice.`, { pointer, name });
        }
        top.names.add(name);
        top.at = name;
        expectName = false;
      } else {
        if (bytes > limits.maxStringBytes) {
          const at = pointerOf(stack);
          throw tooComplex('maxStringBytes', limits.maxStringBytes, at, `The string at "${at}" in the JSON body is ${bytes} bytes long; at most ${limits.maxStringBytes} are read.`);
        }
        count();
      }
      i = close + 1;
      continue;
    }
    switch (byte) {
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        count();
        if (stack.length >= limits.maxDepth) {
          const at = pointerOf(stack);
          throw tooComplex('maxDepth', limits.maxDepth, at, `Objects and arrays in the JSON body are nested more than ${limits.maxDepth} deep (at "${at}").`);
        }
        stack.push(byte === OPEN_OBJECT ? { names: new Set(), at: '' } : { names: null, at: 0 });
        expectName = byte === OPEN_OBJECT;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        stack.pop();
        expectName = false;
        break;
      case COMMA: {
        const top = stack.at(-1);
        if (top?.names) expectName = true;
        else if (top) top.at = (top.at as number) + 1;
        break;
      }
      case COLON:
      case 0x20:
      case 0x09:
      case 0x0a:
      case 0x0d:
        break;
      default: {
        // A number or a literal (true, false, null); anything else is for JSON.parse to refuse.
        // Read no further than one byte past what either may be.
        const isNumber = byte === 0x2d || (byte >= 0x30 && byte <= 0x39);
        const last = Math.min(end, i + (isNumber ? limits.maxNumberBytes : 5) + 1);
        let stop = i + 1;
        while (stop < last && delimiter[body[stop] as number] === 0) stop++;
        const length = stop - i;
        if (!isNumber && length > 5) return;
        if (isNumber && length > limits.maxNumberBytes) {
          const at = pointerOf(stack);
          throw tooComplex('maxNumberBytes', limits.maxNumberBytes, at, `The number at "${at}" in the JSON body is ${length} characters long; at most ${limits.maxNumberBytes} are read.`);
        }
        count();
        i = stop;
        continue;
      }
    }
    i++;
  }
}

/**
 * A JSON request body as a value: UTF-8 (RFC 8259; a body that is not would be validated as one
 * text, with replacement characters, and forwarded as another), within `limits` and without
 * duplicate names (`scanJson`), then parsed.
 */
export function parseJson(body: Buffer, limits: Readonly<JsonLimits> = defaultJsonLimits): unknown {
  if (!isUtf8(body)) throw malformed('it is not UTF-8.');
  scanJson(body, limits);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw malformed((error as Error).message);
  }
}
