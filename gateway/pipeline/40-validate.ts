import type { ErrorObject } from 'ajv';
import { Problem } from '../errors/problem.ts';
import { checkDeclaredLength, parseJson, readBody } from './body.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

export interface FieldError { in: 'path' | 'query' | 'body'; pointer: string; message: string }

const jsonType = /^application\/([\w.+-]*\+)?json\s*(;|$)/i;

function fieldErrors(errors: ErrorObject[] | null | undefined, where: FieldError['in']): FieldError[] {
  return (errors ?? []).map((error) => {
    let pointer = error.instancePath;
    if (error.keyword === 'required') pointer += `/${(error.params as { missingProperty: string }).missingProperty}`;
    if (error.keyword === 'additionalProperties') pointer += `/${(error.params as { additionalProperty: string }).additionalProperty}`;
    return { in: where, pointer: pointer || '/', message: error.message ?? error.keyword };
  });
}

/**
 * The request against the contract's metadata schema: path and query parameters, then the JSON
 * body. Every failing field is listed. Bodies of operations without a schema are not read here:
 * they stream to the upstream, still under the size limit.
 */
export async function validate(ex: Exchange, ctx: PipelineContext): Promise<void> {
  const { route, params } = ex.match!;
  const limit = ctx.config.limits.bodyBytes;
  checkDeclaredLength(ex.req, limit);
  const errors: FieldError[] = [];

  if (route.validateParams) {
    const values: Record<string, unknown> = { ...params };
    for (const [name, value] of new URLSearchParams(ex.search)) {
      if (name in route.operation.query) values[name] = value;
    }
    if (!route.validateParams(values)) {
      errors.push(...fieldErrors(route.validateParams.errors, 'path').map((e) => {
        const name = e.pointer.split('/')[1] ?? '';
        return name in route.operation.query ? { ...e, in: 'query' as const } : e;
      }));
    }
  }

  if (route.validateBody) {
    const type = ex.req.headers['content-type'] ?? '';
    if (!jsonType.test(type)) {
      throw new Problem('UNSUPPORTED_MEDIA_TYPE', `${route.operation.id} takes a JSON body; send Content-Type: application/json.`);
    }
    ex.body = await readBody(ex.req, limit);
    ex.bytesIn = ex.body.length;
    ex.requestHash.update(ex.body);
    const document = parseJson(ex.body);
    ex.document = document;
    if (!route.validateBody(document)) errors.push(...fieldErrors(route.validateBody.errors, 'body'));
  }

  if (errors.length > 0) {
    throw new Problem('CONTRACT_VALIDATION_FAILED', `The request violates contract ${route.contract.id} (${errors.length} ${errors.length === 1 ? 'error' : 'errors'}).`, { errors });
  }
}
