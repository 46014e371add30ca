import type { ErrorObject } from 'ajv';
import { Problem } from '../errors/problem.ts';
import { checkDeclaredLength, parseJson, readBody } from './body.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

export interface FieldError { in: 'path' | 'query' | 'body'; pointer: string; message: string }

const jsonType = /^application\/([\w.+-]*\+)?json\s*(;|$)/i;

/**
 * Errors listed in a CONTRACT_VALIDATION_FAILED answer; `errorsOmitted` counts the rest. A body
 * within the JSON limits (body.ts) can still fail in thousands of places, and every listed error
 * is bytes to build and send.
 */
export const maxListedErrors = 20;

/** A property name as a JSON pointer segment (RFC 6901). */
const segment = (name: string) => `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;

/** The first `room` of ajv's errors as field errors: the rest are only counted, never mapped. */
function fieldErrors(errors: ErrorObject[] | null | undefined, where: FieldError['in'], room: number): FieldError[] {
  return (errors ?? []).slice(0, Math.max(0, room)).map((error) => {
    let pointer = error.instancePath;
    if (error.keyword === 'required') pointer += segment((error.params as { missingProperty: string }).missingProperty);
    if (error.keyword === 'additionalProperties') pointer += segment((error.params as { additionalProperty: string }).additionalProperty);
    return { in: where, pointer: pointer || '/', message: error.message ?? error.keyword };
  });
}

/**
 * The request against the contract's metadata schema: path and query parameters, then the JSON
 * body (read within the JSON limits of body.ts, duplicate names refused). The first
 * `maxListedErrors` failing fields are listed and the rest counted. Bodies of operations without a
 * schema are not read here: they stream to the upstream, still under the size limit.
 */
export async function validate(ex: Exchange, ctx: PipelineContext): Promise<void> {
  const { route, params } = ex.match!;
  const limit = ctx.config.limits.bodyBytes;
  checkDeclaredLength(ex.req, limit);
  const errors: FieldError[] = [];
  let found = 0;

  if (route.validateParams) {
    const values: Record<string, unknown> = { ...params };
    for (const [name, value] of new URLSearchParams(ex.search)) {
      if (name in route.operation.query) values[name] = value;
    }
    if (!route.validateParams(values)) {
      found += route.validateParams.errors?.length ?? 0;
      for (const e of fieldErrors(route.validateParams.errors, 'path', maxListedErrors - errors.length)) {
        const name = e.pointer.split('/')[1] ?? '';
        errors.push(name in route.operation.query ? { ...e, in: 'query' as const } : e);
      }
    }
  }

  if (route.validateBody) {
    const type = ex.req.headers['content-type'] ?? '';
    if (!jsonType.test(type)) {
      throw new Problem('UNSUPPORTED_MEDIA_TYPE', `${route.operation.id} takes a JSON body; send Content-Type: application/json.`);
    }
    // Already read for a receipt (38-receipt.ts): the stream is spent.
    if (ex.body === undefined) {
      ex.body = await readBody(ex.req, limit);
      ex.bytesIn = ex.body.length;
      ex.requestHash.update(ex.body);
    }
    const document = parseJson(ex.body);
    ex.document = document;
    if (!route.validateBody(document)) {
      found += route.validateBody.errors?.length ?? 0;
      for (const e of fieldErrors(route.validateBody.errors, 'body', maxListedErrors - errors.length)) errors.push(e);
    }
  }

  if (found > 0) {
    const omitted = found - errors.length;
    const detail = `The request violates contract ${route.contract.id} (${found} ${found === 1 ? 'error' : 'errors'}${omitted > 0 ? `, the first ${errors.length} listed` : ''}).`;
    throw new Problem('CONTRACT_VALIDATION_FAILED', detail, omitted > 0 ? { errors, errorsOmitted: omitted } : { errors });
  }
}
