import express, { type Router } from 'express';
import { problemSchema } from '../../openapi/build.ts';
import type { PipelineContext } from '../../pipeline/context.ts';
import { readRoles, requireRole, roles } from '../admin-roles.ts';
import { docsMiddleware, docsPage } from '../docs-page.ts';
import { operationObject, sharedProblemExamples, type AdminOperation } from './common.ts';
import * as consumers from './consumers.ts';
import * as contracts from './contracts.ts';
import * as ops from './operations.ts';
import * as partners from './partners.ts';

/**
 * The admin API's own OpenAPI 3.1 document (issue 24, item 7), written beside the routes it
 * describes: request bodies are the schemas the routes validate with, roles the sets
 * `requireRole` checks. test/admin-openapi.test.ts compares it with the routes express serves.
 */

const tags = [
  ['contracts', 'Kontrak integrasi dan siklus hidupnya / integration contracts and their lifecycle'],
  ['consumers', 'Aplikasi perangkat daerah (PD) / PD applications'],
  ['partners', 'Mitra / partners'],
  ['agreements', 'Perjanjian kerja sama (PKS) / cooperation agreements'],
  ['certificates', 'Sertifikat / certificates'],
  ['traffic', 'Log lalu lintas / the traffic log'],
  ['audit', 'Jejak audit / the audit trail'],
  ['upstreams', 'Upstream: sirkuit dan probe / circuits and probes'],
  ['deliveries', 'Pengiriman simpan-teruskan / store-and-forward deliveries'],
  ['backup', 'Cadangan / backup'],
  ['documentation', 'Dokumen ini / this document'],
  ['health', 'Kesehatan / health'],
  ['keys', 'Kunci penanda tangan tanda terima / the keys that sign receipts'],
] as const;

const documentItself = (path: string, id: string): AdminOperation => ({
  method: 'get', path, id, tag: 'documentation', roles: readRoles,
  summary: 'Dokumen OpenAPI API admin / the admin API\'s OpenAPI document',
  description: 'This document. The page `GET /docs` of the admin listener shows it, with a field for the token.',
  answers: { '200': { description: 'OpenAPI 3.1.', schema: { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { const: '3.1.0' } } }, example: { openapi: '3.1.0', info: { title: 'Penghubung: API admin / the admin API', version: '1' }, paths: {} } } },
});

/** Every operation of the admin API, as the routes are mounted (admin.ts and its routers). */
const adminOperations: readonly AdminOperation[] = [
  ...contracts.operations, ...consumers.operations, ...partners.operations, ...ops.operations,
  documentItself('/admin/v1/openapi.json', 'openApi'), documentItself('/openapi.json', 'openApiAtRoot'),
];

function buildDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of adminOperations) (paths[operation.path] ??= {})[operation.method] = operationObject(operation);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Penghubung: API admin / the admin API',
      version: '1',
      description: [
        'API Dinas untuk kontrak, aplikasi PD, mitra, PKS, sertifikat, log lalu lintas, jejak audit dan pengiriman (docs/administration.md).',
        'The Dinas\' API for contracts, PD applications, partners, agreements, certificates, the traffic log, the audit trail and deliveries.',
        `Every call but health carries an SSO access token whose role claim holds one of the operation's \`x-penghubung-roles\`: \`${roles.admin}\` edits, \`${roles.approver}\` approves contract versions, \`${roles.ops}\` reads and retries or cancels deliveries; all three read. Another token: 403 \`FORBIDDEN_ROLE\`.`,
        'Refusals are RFC 9457 problem documents (`application/problem+json`) with a stable `code` (docs/errors.md). Every change writes one audit row in its own transaction.',
      ].join('\n\n'),
    },
    tags: tags.map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: { Problem: problemSchema, ...contracts.schemas, ...consumers.schemas, ...partners.schemas, ...ops.schemas },
      examples: sharedProblemExamples,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'SSO access token (client credentials) with a Penghubung role claim.' } },
    },
    security: [{ bearerAuth: [] }],
  };
}

let document: Record<string, unknown> | undefined;
/** Built once: it depends on nothing that changes while the gateway runs. */
export function adminOpenApi(): Record<string, unknown> {
  document ??= buildDocument();
  return document;
}

/** `GET /admin/v1/openapi.json` (and `/openapi.json`, where the page looks), and the `/docs` page over it. */
export function adminDocsRouter(ctx: Pick<PipelineContext, 'verifier'>): Router {
  const router = express.Router();
  router.get(['/admin/v1/openapi.json', '/openapi.json'], requireRole(ctx, readRoles), (_req, res) => {
    res.json(adminOpenApi());
  });
  router.use(docsMiddleware(docsPage('bearer', 'admin')));
  return router;
}
