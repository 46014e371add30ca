import express, { type Router } from 'express';
import { diffContracts, renderDiff } from '../../registry/contract-diff.ts';
import { contractVersions, listContracts, runAction, versionDefinition, type ContractVersionRecord } from '../../registry/contract-versions.ts';
import { routingStates } from '../../registry/lifecycle.ts';
import { approveRoles } from '../../sso/roles.ts';
import { html, type Html } from '../../html/html.ts';
import { csrfField, page, type View } from '../layout.ts';
import { needRole, page$, PageError, type ConsoleRequest, type PageDeps } from '../request.ts';
import { personSource } from './person.ts';

interface Awaiting { record: ContractVersionRecord; diff: string[] | null; activeVersion: string | null }

/** Versions submitted for approval, each with the diff from the version that routes now (if any). */
async function awaitingApproval(deps: PageDeps): Promise<Awaiting[]> {
  const awaiting: Awaiting[] = [];
  for (const contract of await listContracts(deps.store)) {
    if (!contract.versions.some((version) => version.state === 'submitted')) continue;
    const records = await contractVersions(deps.store, contract.id);
    const active = records.find((record) => routingStates.includes(record.state));
    for (const record of records.filter((r) => r.state === 'submitted')) {
      let diff: string[] | null = null;
      if (active) {
        const [from, to] = await Promise.all([versionDefinition(deps.store, contract.id, active.version), versionDefinition(deps.store, contract.id, record.version)]);
        const changes = diffContracts(contract.id, { version: active.version, state: active.state, definition: { ...from } }, { version: record.version, state: record.state, definition: { ...to } });
        const { added, removed, changed } = changes.operations;
        // The rendering's first line names the two versions, which the card shows already.
        diff = changes.fields.length + added.length + removed.length + changed.length === 0 ? [] : renderDiff(changes).slice(1);
      }
      awaiting.push({ record, diff, activeVersion: active?.version ?? null });
    }
  }
  return awaiting;
}

function card(view: View, item: Awaiting, today: string): Html {
  const { t } = view.locale;
  const { record } = item;
  const action = (verb: string) => `/persetujuan/${encodeURIComponent(record.id)}/${encodeURIComponent(record.version)}/${verb}`;
  const changes = item.diff === null ? html`<p>${t('newContract')}</p>`
    : html`<h4>${t('changesFromActive', { version: item.activeVersion ?? '' })}</h4>${item.diff.length === 0 ? html`<p>${t('noChanges')}</p>` : html`<pre class="diff">${item.diff.join('\n')}</pre>`}`;
  return html`<article class="card" data-testid="approval" data-contract="${record.id}" data-version="${record.version}">
<h3>${record.title} <small>${record.id} · ${t('version')} ${record.version}</small></h3>
<p>${t('submittedBy')} <strong>${record.submitted?.by ?? '—'}</strong>${record.submitted ? html`, ${view.locale.dateTime(record.submitted.at)}` : ''}</p>
${changes}
<div class="decide">
<form method="post" action="${action('setujui')}" class="stack">${csrfField(view)}
  <label>${t('letterNumber')}<input name="nomor" required maxlength="200" placeholder="500.12/123/Diskominfo/2026"></label>
  <label>${t('letterDate')}<input name="tanggal" type="date" required value="${today}"></label>
  <label>${t('note')}<textarea name="catatan" maxlength="4000" rows="2"></textarea></label>
  <button type="submit" class="primary">${t('approve')}</button></form>
<form method="post" action="${action('tolak')}" class="stack">${csrfField(view)}
  <label>${t('note')}<textarea name="catatan" required maxlength="4000" rows="2"></textarea></label>
  <button type="submit" class="danger">${t('reject')}</button></form>
</div></article>`;
}

const field = (body: unknown, name: string) => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/**
 * Approvals (issue 25 item 5): the same lifecycle action as `POST .../approve|reject` of the
 * admin API (registry/contract-versions.ts), so four eyes, the recommendation letter and the audit
 * row are the same; the person acting is the signed-in one.
 */
export function approvalPages(deps: PageDeps): Router {
  const router = express.Router();
  router.get('/persetujuan', page$(async (req, res) => {
    const { t } = req.view.locale;
    const awaiting = await awaitingApproval(deps);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: deps.ctx.config.timezone }).format(new Date());
    const done = typeof req.query.hasil === 'string' && (req.query.hasil === 'approved' || req.query.hasil === 'rejected')
      ? html`<p class="ok" role="status" data-testid="approval-result">${t(req.query.hasil, { contract: typeof req.query.kontrak === 'string' ? req.query.kontrak : '', version: typeof req.query.versi === 'string' ? req.query.versi : '' })}</p>` : '';
    const list = awaiting.length === 0 ? html`<p data-testid="no-approvals">${t('noApprovals')}</p>` : awaiting.map((item) => card(req.view, item, today));
    res.type('html').send(page(req.view, t('approvalsTitle'), html`${done}${list}`));
  }));

  router.post('/persetujuan/:id/:version/:verb', page$(async (req: ConsoleRequest, res) => {
    const verb = String(req.params.verb);
    if (verb !== 'setujui' && verb !== 'tolak') throw new PageError(404, 'notFound');
    try {
      needRole(req, approveRoles);
    } catch {
      throw new PageError(403, 'onlyApprovers');
    }
    const id = String(req.params.id);
    const version = String(req.params.version);
    const note = field(req.body, 'catatan');
    let input;
    if (verb === 'setujui') {
      const number = field(req.body, 'nomor');
      const date = field(req.body, 'tanggal');
      if (!number || number.length > 200 || !/^\d{4}-\d{2}-\d{2}$/.test(date) || note.length > 4000) throw new PageError(400, 'errorLead');
      input = { recommendation: { number, date, note } };
    } else {
      if (!note || note.length > 4000) throw new PageError(400, 'errorLead');
      input = { note };
    }
    await runAction(deps.store, id, version, verb === 'setujui' ? 'approve' : 'reject', input, personSource(req));
    const hasil = verb === 'setujui' ? 'approved' : 'rejected';
    res.redirect(303, `/persetujuan?hasil=${hasil}&kontrak=${encodeURIComponent(id)}&versi=${encodeURIComponent(version)}`);
  }));
  return router;
}
