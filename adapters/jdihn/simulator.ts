import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { RunningSandbox } from '../../gateway/adapter-api/index.ts';
import { startSimServer, type SimServer } from '../kit/sim-server.ts';
import type { JdihnRecord } from './mapping.ts';

/**
 * The JDIHN side of the integration: a harvester that pulls a member's feed as JDIHN does and
 * checks every record against the JDIHN record format (`jdihn-record.schema.json`). It keeps its
 * own copy of the records by `idData` and revalidates with If-None-Match once it has an ETag.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const recordSchema = JSON.parse(readFileSync(new URL('./jdihn-record.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validateRecord = ajv.compile<JdihnRecord>(recordSchema);

export interface HarvestProblem {
  /** Position of the record in the feed; absent for a problem with the whole feed. */
  index?: number;
  idData?: string;
  /** JSON pointer inside the record. */
  pointer: string;
  message: string;
}

export interface HarvestReport {
  /** `ok`: every record valid; `invalid`: some are not; `not-modified`: 304, the copy is current; `failed`: no usable feed. */
  status: 'ok' | 'invalid' | 'not-modified' | 'failed';
  harvestedAt: string;
  httpStatus?: number;
  etag?: string;
  /** Records in the feed (for `not-modified`, in the harvester's current copy). */
  records: number;
  valid: number;
  problems: HarvestProblem[];
}

export interface JdihnHarvester extends RunningSandbox {
  feedUrl: string;
  /** Pulls the feed now. */
  harvest(): Promise<HarvestReport>;
  /** The last report, `null` before the first harvest. */
  readonly last: HarvestReport | null;
  /** The harvester's copy: the valid records of the last successful harvest, by idData. */
  readonly records: ReadonlyMap<string, JdihnRecord>;
  /** Requests to the harvester's own HTTP face, per `METHOD /path`. */
  hits: SimServer['hits'];
}

export interface HarvesterOptions {
  feedUrl: string;
  host?: string;
  port?: number;
  /** Harvest periodically (the demo: every 60 s); off when absent. */
  intervalMs?: number;
  timeoutMs?: number;
}

function problemsOf(errors: ErrorObject[] | null | undefined, index: number, idData: string | undefined): HarvestProblem[] {
  return (errors ?? []).map((error) => {
    let pointer = error.instancePath;
    if (error.keyword === 'required') pointer += `/${(error.params as { missingProperty: string }).missingProperty}`;
    if (error.keyword === 'additionalProperties') pointer += `/${(error.params as { additionalProperty: string }).additionalProperty}`;
    return { index, ...(idData === undefined ? {} : { idData }), pointer: pointer || '/', message: error.message ?? error.keyword };
  });
}

/** Every record against the format, plus what a schema cannot say: unique ids, year = year of the date. */
export function checkFeed(feed: unknown): { problems: HarvestProblem[]; valid: JdihnRecord[]; records: number } {
  if (!Array.isArray(feed)) return { problems: [{ pointer: '/', message: 'the feed must be a bare JSON array of records' }], valid: [], records: 0 };
  const problems: HarvestProblem[] = [];
  const valid: JdihnRecord[] = [];
  const seen = new Set<string>();
  feed.forEach((record: unknown, index) => {
    const idData = typeof (record as { idData?: unknown } | null)?.idData === 'string' ? (record as { idData: string }).idData : undefined;
    const found: HarvestProblem[] = [];
    if (!validateRecord(record)) {
      found.push(...problemsOf(validateRecord.errors, index, idData));
    } else {
      if (record.tanggal_pengundangan.slice(0, 4) !== record.tahun_pengundangan) {
        found.push({ index, idData: record.idData, pointer: '/tahun_pengundangan', message: 'must be the year of tanggal_pengundangan' });
      }
      if (record.tanggal_penetapan !== '-' && record.tanggal_penetapan > record.tanggal_pengundangan) {
        found.push({ index, idData: record.idData, pointer: '/tanggal_pengundangan', message: 'must not be before tanggal_penetapan' });
      }
    }
    if (idData !== undefined) {
      if (seen.has(idData)) found.push({ index, idData, pointer: '/idData', message: 'appears more than once in the feed' });
      seen.add(idData);
    }
    problems.push(...found);
    if (found.length === 0) valid.push(record as JdihnRecord);
  });
  return { problems, valid, records: feed.length };
}

export async function startJdihnHarvester(options: HarvesterOptions): Promise<JdihnHarvester> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let etag: string | undefined;
  let last: HarvestReport | null = null;
  let records = new Map<string, JdihnRecord>();

  const report = (fields: Omit<HarvestReport, 'harvestedAt'>): HarvestReport => {
    last = { harvestedAt: new Date().toISOString(), ...fields };
    return last;
  };

  async function harvest(): Promise<HarvestReport> {
    let response: Response;
    try {
      response = await fetch(options.feedUrl, {
        headers: { accept: 'application/json', ...(etag ? { 'if-none-match': etag } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return report({ status: 'failed', records: 0, valid: 0, problems: [{ pointer: '/', message: `feed unreachable (${(error as Error).name})` }] });
    }
    const httpStatus = response.status;
    if (httpStatus === 304) {
      await response.body?.cancel();
      return report({ status: 'not-modified', httpStatus, ...(etag ? { etag } : {}), records: records.size, valid: records.size, problems: [] });
    }
    const text = await response.text();
    if (httpStatus !== 200) return report({ status: 'failed', httpStatus, records: 0, valid: 0, problems: [{ pointer: '/', message: `the feed answered HTTP ${httpStatus}` }] });
    const type = response.headers.get('content-type') ?? '';
    if (!/^application\/json\b/i.test(type)) return report({ status: 'failed', httpStatus, records: 0, valid: 0, problems: [{ pointer: '/', message: `content-type must be application/json, not "${type}"` }] });
    let feed: unknown;
    try {
      feed = JSON.parse(text);
    } catch {
      return report({ status: 'failed', httpStatus, records: 0, valid: 0, problems: [{ pointer: '/', message: 'the feed is not valid JSON' }] });
    }
    const checked = checkFeed(feed);
    if (!Array.isArray(feed)) return report({ status: 'failed', httpStatus, records: 0, valid: 0, problems: checked.problems });
    // The copy follows the feed: records gone from it are gone from JDIHN's copy too.
    records = new Map(checked.valid.map((record) => [record.idData, record]));
    etag = response.headers.get('etag') ?? undefined;
    return report({
      status: checked.problems.length === 0 ? 'ok' : 'invalid',
      httpStatus,
      ...(etag ? { etag } : {}),
      records: checked.records,
      valid: checked.valid.length,
      problems: checked.problems,
    });
  }

  const server = await startSimServer(async (req) => {
    if (req.method === 'GET' && req.path === '/') return { status: 200, body: { feedUrl: options.feedUrl, last: last ?? { status: 'never' } } };
    if (req.method === 'GET' && req.path === '/records') return { status: 200, body: [...records.values()] };
    if (req.method === 'POST' && req.path === '/harvest') return { status: 200, body: await harvest() };
    return { status: 404, body: { error: 'not found', routes: ['GET /', 'GET /records', 'POST /harvest'] } };
  }, { host: options.host, port: options.port });

  // The demo harvests every minute; the timer never keeps the process alive and stops on close.
  let timer: NodeJS.Timeout | undefined;
  if (options.intervalMs) {
    timer = setInterval(() => void harvest(), options.intervalMs);
    timer.unref();
  }

  return {
    url: server.url,
    feedUrl: options.feedUrl,
    hits: server.hits,
    harvest,
    get last() {
      return last;
    },
    get records() {
      return records;
    },
    async close() {
      if (timer) clearInterval(timer);
      await server.close();
    },
  };
}
