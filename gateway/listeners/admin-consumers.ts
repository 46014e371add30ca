import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import express, { type Router } from 'express';
import { Problem } from '../errors/problem.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { classifications } from '../registry/contract.ts';
import { findConsumer, listConsumers, saveConsumer } from '../registry/consumers.ts';
import type { ConsumerInput } from '../registry/repository.ts';
import type { Store } from '../store/store.ts';
import { adminJson } from './admin-bodies.ts';
import { auditSourceOf, editRoles, handle, readRoles, requireRole } from './admin-roles.ts';

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;
const rate = { type: 'object', required: ['rps', 'burst'], additionalProperties: false, properties: { rps: { type: 'number', exclusiveMinimum: 0 }, burst: { type: 'integer', minimum: 1 } } } as const;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** A PD application as the Dinas registers it: the SSO client id is the path. Also in the admin API's OpenAPI document. */
export const consumerSchema = {
  type: 'object',
  required: ['name', 'department', 'clearance'],
  additionalProperties: false,
  properties: {
    name: text(200),
    department: text(200),
    clearance: { enum: [...classifications] },
    // null or absent: the SSO token's scopes alone decide.
    scopes: { type: ['array', 'null'], items: { type: 'string', pattern: '^[\\w.:-]{1,100}$' }, uniqueItems: true, maxItems: 200 },
    contact: { type: 'object', additionalProperties: false, properties: { name: text(200), email: { type: 'string', format: 'email', maxLength: 200 }, phone: text(50) } },
    status: { enum: ['active', 'suspended'] },
    limits: { type: 'object', maxProperties: 200, additionalProperties: rate },
  },
} as const;
const validateConsumer = addFormats(new Ajv({ allErrors: true })).compile(consumerSchema);

export const clientIdPattern = /^[\w.:@-]{1,200}$/;

/**
 * PD applications (consumers) through the admin API: list, read, register or change (suspend by
 * `status`). Certificates of an application are registered with
 * `POST /admin/v1/consumers/{clientId}/certificates`. Every change: one audit row.
 */
export function consumerAdminRouter(ctx: PipelineContext, store: Store): Router {
  const router = express.Router();

  router.get('/admin/v1/consumers', requireRole(ctx, readRoles), handle(async (_req, res) => {
    res.json({ items: await listConsumers(store) });
  }));

  router.get('/admin/v1/consumers/:clientId', requireRole(ctx, readRoles), handle(async (req, res) => {
    const consumer = await findConsumer(store, String(req.params.clientId));
    if (!consumer) throw new Problem('NOT_FOUND', `No consumer ${String(req.params.clientId)}.`);
    res.json(consumer);
  }));

  router.put('/admin/v1/consumers/:clientId', requireRole(ctx, editRoles), adminJson('64kb'), handle(async (req, res) => {
    const clientId = String(req.params.clientId);
    if (!clientIdPattern.test(clientId)) throw new Problem('BAD_REQUEST', 'The client id is the SSO client id: letters, digits and . : @ _ - only.');
    const body: unknown = req.body;
    if (!validateConsumer(body)) throw new Problem('BAD_REQUEST', `The consumer is not valid: ${(validateConsumer.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''}`).join('; ')}.`);
    const { consumer, created } = await saveConsumer(store, { ...(body as Omit<ConsumerInput, 'clientId'>), clientId }, auditSourceOf(req));
    await ctx.registry.refresh();
    res.status(created ? 201 : 200).json(consumer);
  }));

  return router;
}
