import { Ajv } from 'ajv';
import express, { type Router } from 'express';
import { Problem } from '../errors/problem.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { changeDraft, contractVersions, createDraft, listContracts, runAction, versionDefinition, type ActionInput } from '../registry/contract-versions.ts';
import { isLifecycleAction, type LifecycleAction } from '../registry/lifecycle.ts';
import { contractFromDocument } from '../registry/load-contracts.ts';
import type { Store } from '../store/store.ts';
import { adminJson } from './admin-bodies.ts';
import { approveRoles, auditSourceOf, editRoles, handle, readRoles, requireRole, type AdminRequest } from './admin-roles.ts';

const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
/**
 * What each action's body must carry; an action not listed takes an empty body or none. Also the
 * request bodies of the admin API's OpenAPI document (admin-openapi/).
 */
export const actionBodySchemas = {
  approve: {
    type: 'object',
    required: ['recommendation'],
    additionalProperties: false,
    properties: {
      // The Dinas' letter recommending the integration on operation and security (Pasal 48(2) of 004).
      recommendation: {
        type: 'object',
        required: ['number', 'date', 'note'],
        additionalProperties: false,
        properties: { number: { type: 'string', minLength: 1, maxLength: 200 }, date, note: { type: 'string', maxLength: 4000 } },
      },
    },
  },
  reject: { type: 'object', required: ['note'], additionalProperties: false, properties: { note: { type: 'string', minLength: 1, maxLength: 4000 } } },
  deprecate: { type: 'object', required: ['sunset'], additionalProperties: false, properties: { sunset: date } },
  retire: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 4000 } } },
} as const satisfies Partial<Record<LifecycleAction, object>>;
const ajv = new Ajv({ allErrors: false });
const actionBodies: Partial<Record<LifecycleAction, ReturnType<typeof ajv.compile>>> = Object.fromEntries(
  Object.entries(actionBodySchemas).map(([action, schema]) => [action, ajv.compile(schema)]),
);

/** Which roles may run each action: editors move their versions along, approvers judge them. */
const actionRoles: Record<LifecycleAction, readonly string[]> = {
  submit: editRoles,
  approve: approveRoles,
  reject: approveRoles,
  activate: editRoles,
  deprecate: editRoles,
  retire: editRoles,
};

function inputOf(action: LifecycleAction, body: unknown): ActionInput {
  const validate = actionBodies[action];
  const document = body ?? {};
  if (!validate) return {};
  if (!validate(document)) throw new Problem('BAD_REQUEST', `The body of ${action}: ${ajv.errorsText(validate.errors)}.`);
  const { recommendation, note, sunset } = document as { recommendation?: ActionInput['recommendation']; note?: string; sunset?: string };
  if (sunset !== undefined && Date.parse(`${sunset}T00:00:00Z`) <= Date.now()) throw new Problem('BAD_REQUEST', `The sunset ${sunset} must be a day still to come.`);
  return { ...(recommendation ? { recommendation } : {}), ...(note !== undefined ? { note } : {}), ...(sunset !== undefined ? { sunsetAt: `${sunset}T00:00:00.000Z` } : {}) };
}

/**
 * Contracts through the admin API (issue 24): drafts created and changed by editors, then the
 * lifecycle of docs/administration.md. Every change writes one audit row in its own transaction;
 * a change that routes (activate, deprecate, retire) applies on this instance at once, and on the
 * others at their next registry poll.
 */
export function contractAdminRouter(ctx: PipelineContext, store: Store): Router {
  const router = express.Router();
  const json = adminJson('1mb');
  const definitionOf = (body: unknown) => contractFromDocument(body, 'api', ctx.adapters.descriptors);

  router.get('/admin/v1/contracts', requireRole(ctx, readRoles), handle(async (_req, res) => {
    res.json({ items: await listContracts(store) });
  }));

  router.get('/admin/v1/contracts/:id', requireRole(ctx, readRoles), handle(async (req, res) => {
    const versions = await contractVersions(store, String(req.params.id));
    if (versions.length === 0) throw new Problem('CONTRACT_VERSION_NOT_FOUND', `No contract ${String(req.params.id)}.`);
    res.json({ id: req.params.id, versions });
  }));

  router.get('/admin/v1/contracts/:id/versions/:version', requireRole(ctx, readRoles), handle(async (req, res) => {
    const definition = await versionDefinition(store, String(req.params.id), String(req.params.version));
    if (!definition) throw new Problem('CONTRACT_VERSION_NOT_FOUND', `No contract ${String(req.params.id)} with version ${String(req.params.version)}.`);
    res.json(definition);
  }));

  router.post('/admin/v1/contracts', requireRole(ctx, editRoles), json, handle(async (req, res) => {
    const record = await createDraft(store, definitionOf(req.body), auditSourceOf(req));
    res.status(201).location(`/admin/v1/contracts/${encodeURIComponent(record.id)}/versions/${encodeURIComponent(record.version)}`).json(record);
  }));

  router.put('/admin/v1/contracts/:id/versions/:version', requireRole(ctx, editRoles), json, handle(async (req, res) => {
    const definition = definitionOf(req.body);
    if (definition.id !== req.params.id || definition.version !== req.params.version) {
      throw new Problem('BAD_REQUEST', `The body is contract ${definition.id} version ${definition.version}, the path ${String(req.params.id)} version ${String(req.params.version)}.`);
    }
    res.json(await changeDraft(store, definition, auditSourceOf(req)));
  }));

  router.post('/admin/v1/contracts/:id/versions/:version/:action', json, (req: AdminRequest, res, next) => {
    const action = String(req.params.action);
    if (!isLifecycleAction(action)) return next(new Problem('NOT_FOUND', `No contract action ${action}: submit, approve, reject, activate, deprecate or retire.`));
    return requireRole(ctx, actionRoles[action])(req, res, (error?: unknown) => {
      if (error) return next(error);
      handle(async () => {
        const record = await runAction(store, String(req.params.id), String(req.params.version), action, inputOf(action, req.body), auditSourceOf(req));
        if (action === 'activate' || action === 'deprecate' || action === 'retire') await ctx.registry.refresh();
        res.json(record);
      })(req, res, next);
    });
  });

  return router;
}
