// Each canonical operation as two pure functions around wire.ts: the canonical call to the LAPOR!
// request, LAPOR!'s answer to the canonical answer (or a thrown problem). Unlike the kit's
// OperationMapping they take the region's token, because LAPOR! wants it inside the body; the
// answer side gets it only to mask it should LAPOR! ever quote it back.
import { upstreamInvalid, type AdapterCall, type CanonicalResponse, type UpstreamRequest, type UpstreamResponse } from '../../gateway/adapter-api/index.ts';
import { statusLabels, type Category, type Complaint, type ComplaintState, type Receipt } from './canonical.ts';
import { settle, system } from './errors.ts';
import { addStreamRequest, readAddStreamAnswer, readStatusAnswer, readTopicsAnswer, statusRequest, topicsRequest } from './wire.ts';

export interface LaporOperation {
  toUpstream(call: AdapterCall, token: string): UpstreamRequest;
  fromUpstream(response: UpstreamResponse, call: AdapterCall, token: string): CanonicalResponse;
}

/** What must never come back to the caller in an upstream message: the token, the identity, the complaint text. */
export function sensitiveValues(call: AdapterCall, token: string): string[] {
  const complaint = call.body as Partial<Complaint> | undefined;
  const reporter = complaint?.reporter;
  return [token, complaint?.title, complaint?.body, complaint?.incident?.location, reporter?.firstName, reporter?.lastName, reporter?.email, reporter?.phone]
    .filter((value): value is string => typeof value === 'string' && value !== '');
}

export const mappings = {
  submitComplaint: {
    toUpstream: (call, token) => addStreamRequest(call.body as Complaint, token),
    fromUpstream: (response, call, token) => {
      const { trackingId, transactionId } = settle(response, readAddStreamAnswer, sensitiveValues(call, token));
      const receipt: Receipt = { trackingId, transactionId, status: 'SUBMITTED' };
      return { status: 201, body: receipt, headers: { location: `/lapor/v1/laporan/${encodeURIComponent(trackingId)}` } };
    },
  },
  getComplaint: {
    toUpstream: (call, token) => statusRequest(call.params.trackingId!, token),
    fromUpstream: (response, call, token) => {
      const state = settle(response, readStatusAnswer, sensitiveValues(call, token));
      if (state.trackingId !== call.params.trackingId) throw upstreamInvalid(system, 'the status answer is about another complaint');
      const body: ComplaintState = { trackingId: state.trackingId, status: state.status, statusLabel: statusLabels[state.status], updatedAt: state.updatedAt, followUps: state.followUps };
      return { status: 200, body };
    },
  },
  listCategories: {
    toUpstream: (_call, token) => topicsRequest(token),
    fromUpstream: (response, call, token) => {
      const data: Category[] = settle(response, readTopicsAnswer, sensitiveValues(call, token));
      return { status: 200, body: { data } };
    },
  },
} satisfies Record<string, LaporOperation>;

export type LaporOperationId = keyof typeof mappings;
