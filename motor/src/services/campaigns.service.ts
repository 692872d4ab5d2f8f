import {
  estimateCampaignSeconds,
  normalizePhoneList,
  type Campaign,
  type CampaignAction,
  type CampaignAudienceInput,
  type CampaignPreview,
  type CampaignRecipient,
  type CreateCampaignBody,
  type ListRecipientsQuery,
  type PatchCampaignBody,
} from '@atende/shared';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import type { Caller } from './conversations.service.js';

/** The runner's pacing knobs the estimate must know (config: CAMPAIGN_*). */
export interface CampaignPacing {
  breakEvery: number;
  breakMs: number;
  dailyCap: number;
}

type Changed = { campaign: Campaign; events: AccountEvent[] };

/**
 * Campaign use cases (docs/campaigns.md): create/patch/delete a draft, the status moves, the
 * per-recipient list and its CSV, and the audience preview. Every call is one SQL function scoped
 * to the caller's account; changes publish `campaign.updated` after commit. Sending is the
 * runner's (campaign-runner.service.ts).
 *
 * @example
 *   const sut = new CampaignsService({ db, realtime, pacing });
 *   const c = await sut.create(caller, body);
 *   await sut.move(caller, c.id, 'start');
 */
export class CampaignsService {
  constructor(private readonly deps: { db: Db; realtime: RealtimePublisher; pacing: CampaignPacing }) {}

  list(caller: Caller): Promise<Campaign[]> {
    return this.deps.db.call<Campaign[]>('campaigns_list', { accountId: caller.accountId });
  }

  get(caller: Caller, id: string): Promise<Campaign> {
    return this.deps.db.call<Campaign>('campaign_get', { accountId: caller.accountId, id });
  }

  create(caller: Caller, body: CreateCampaignBody): Promise<Campaign> {
    return this.change('campaign_create', { accountId: caller.accountId, body });
  }

  patch(caller: Caller, id: string, patch: PatchCampaignBody): Promise<Campaign> {
    return this.change('campaign_patch', { accountId: caller.accountId, id, patch });
  }

  async remove(caller: Caller, id: string): Promise<void> {
    await this.deps.db.call('campaign_delete', { accountId: caller.accountId, id });
  }

  /** start · pause · resume · cancel; 409 `conflict` for a move the status does not allow. */
  move(caller: Caller, id: string, action: CampaignAction): Promise<Campaign> {
    return this.change('campaign_move', { accountId: caller.accountId, id, action });
  }

  recipients(caller: Caller, id: string, q: ListRecipientsQuery): Promise<CampaignRecipient[]> {
    return this.deps.db.call<CampaignRecipient[]>('campaign_recipients_list', {
      accountId: caller.accountId,
      id,
      status: q.status ?? null,
      after: q.after ?? null,
      limit: q.limit,
    });
  }

  /** Every recipient (phone order) as CSV, read page by page. */
  async recipientsCsv(caller: Caller, id: string, status?: ListRecipientsQuery['status']): Promise<string> {
    const lines = [CSV_COLUMNS.join(',')];
    let after: string | undefined;
    for (;;) {
      const page = await this.recipients(caller, id, { status, after, limit: 1000 });
      for (const r of page) lines.push(CSV_COLUMNS.map((k) => csvCell(r[k])).join(','));
      if (page.length < 1000) break;
      after = page.at(-1)!.phone;
    }
    return lines.join('\r\n') + '\r\n';
  }

  /** The audience's size, its opted-out contacts and invalid numbers, and how long it would take. */
  async preview(
    caller: Caller,
    input: { audience: CampaignAudienceInput; ratePerMinute: number },
  ): Promise<CampaignPreview> {
    let audience: unknown = input.audience;
    let invalid: CampaignPreview['invalid'] = [];
    if (input.audience.type === 'phones') {
      const r = normalizePhoneList(input.audience.phones);
      audience = { type: 'phones', phones: r.phones };
      invalid = r.invalid;
    }
    const n = await this.deps.db.call<{ count: number; optedOut: number }>('campaign_audience_count', {
      accountId: caller.accountId,
      audience,
    });
    return {
      count: n.count,
      optedOut: n.optedOut,
      invalid,
      estimatedSeconds: estimateCampaignSeconds(n.count, input.ratePerMinute, this.deps.pacing),
    };
  }

  private async change(fn: string, args: Record<string, unknown>): Promise<Campaign> {
    const r = await this.deps.db.call<Changed>(fn, args);
    this.deps.realtime.publish(r.events);
    return r.campaign;
  }
}

const CSV_COLUMNS = ['phone', 'name', 'status', 'error', 'sentAt', 'contactId', 'id'] as const;

/** RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
function csvCell(v: string | null | undefined): string {
  if (v === null || v === undefined) return '';
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
