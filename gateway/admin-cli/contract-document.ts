import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { usageError } from './output.ts';

/** A contract as `POST /admin/v1/contracts` takes it: the fields of a contract file. */
export type ContractDocument = Record<string, unknown> & { operations?: unknown };

function readSchemaFile(contractFile: string, reference: string): unknown {
  const path = resolve(dirname(contractFile), reference);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(`${contractFile}: schema file ${reference} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw usageError(`${contractFile}: schema file ${reference} is not valid: ${(error as Error).message}`);
  }
}

/** Replaces `holder.schema` when it names a file (a string) by that file's content. */
function inline(contractFile: string, holder: unknown): void {
  if (holder === null || typeof holder !== 'object') return;
  const part = holder as { schema?: unknown };
  if (typeof part.schema === 'string') part.schema = readSchemaFile(contractFile, part.schema);
}

/**
 * A contract file as the admin API takes it. A file names its schemas by path beside it
 * (docs/contracts.md); the API takes none, since it would read files of the gateway's host, so
 * each is read here and put inline: the request's, the response's and those of its other statuses.
 * The file's `state` is left out: over the API, a contract starts as a draft and the lifecycle
 * moves it.
 */
export function contractDocumentFromFile(file: string): ContractDocument {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? oneLineOf(error);
    throw usageError(`contract file ${file} cannot be read: ${reason}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw usageError(`contract file ${file} is not a contract: its top level must be a mapping`);
  const contract = document as ContractDocument;
  for (const operation of Array.isArray(contract.operations) ? (contract.operations as unknown[]) : []) {
    if (operation === null || typeof operation !== 'object') continue;
    const { request, response } = operation as { request?: unknown; response?: { otherStatuses?: unknown } };
    inline(file, request);
    inline(file, response);
    const others = response?.otherStatuses;
    if (others !== null && typeof others === 'object') for (const other of Object.values(others)) inline(file, other);
  }
  delete contract.state;
  return contract;
}

function oneLineOf(error: unknown): string {
  return (error as Error).message.split('\n')[0] ?? 'unreadable';
}
