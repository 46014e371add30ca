import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { Problem, type AdapterCall, type CanonicalResponse, type DocumentStore, type StoredDocument } from '../../gateway/adapter-api/index.ts';
import { collection } from './feed.ts';
import { assertStorable, type LegalDocument } from './legal-document.ts';

/** The canonical answer of a stored document: the document and its stored version. */
function stored(entry: StoredDocument<LegalDocument>) {
  return { id: entry.key, version: entry.version, updatedAt: entry.updatedAt, document: entry.body };
}

function notFound(id: string): Problem {
  return new Problem('NOT_FOUND', `No legal document with id ${id} is registered for the JDIHN feed.`);
}

/**
 * The canonical API of the legal division's JDIH application. The gateway's store is the system
 * of record for the feed; there is no upstream to call.
 */
export function documentOperations(documents: DocumentStore, log: Logger) {
  /**
   * Create-or-replace by id, used by both POST and PUT: 201 when new, 200 when replaced. Sending
   * the same document again writes nothing, so a retried call neither bumps the version nor
   * changes the feed's validators.
   */
  async function save(call: AdapterCall, pathId?: string): Promise<CanonicalResponse> {
    const document = call.body as LegalDocument;
    assertStorable(document, call.contractId, pathId);
    const existing = await documents.get<LegalDocument>(collection, document.id);
    if (existing && isDeepStrictEqual(existing.body, document)) {
      return { status: 200, body: { id: document.id, version: existing.version, created: false, document } };
    }
    const written = await documents.put(collection, document.id, document);
    log.info({ documentId: document.id, version: written.version, created: written.created, revision: written.revision }, 'legal document stored');
    const location = `/jdihn/v1/dokumen/${encodeURIComponent(document.id)}`;
    return {
      status: written.created ? 201 : 200,
      headers: written.created ? { location } : {},
      body: { id: document.id, version: written.version, created: written.created, document },
    };
  }

  const operations: Record<string, (call: AdapterCall) => Promise<CanonicalResponse>> = {
    registerDocument: (call) => save(call),
    updateDocument: (call) => save(call, call.params.id),
    async getDocument(call) {
      const entry = await documents.get<LegalDocument>(collection, call.params.id!);
      if (!entry) throw notFound(call.params.id!);
      return { status: 200, body: stored(entry) };
    },
    async listDocuments(call) {
      const { year, status } = call.query;
      const entries = (await documents.list<LegalDocument>(collection)).filter((entry) =>
        (year === undefined || entry.body.year === Number(year)) && (status === undefined || entry.body.status === status));
      return { status: 200, body: { count: entries.length, items: entries.map(stored) } };
    },
  };
  return operations;
}
