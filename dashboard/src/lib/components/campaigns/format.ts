import type { Campaign, CampaignAction, CampaignStatus } from '@atende/shared';
import { t } from '$lib/i18n/index.svelte';

/** The moves a status allows (the Motor answers 409 to the others). */
export function actionsFor(c: Pick<Campaign, 'status' | 'pausedReason'>): CampaignAction[] {
  const byStatus: Record<CampaignStatus, CampaignAction[]> = {
    draft: ['start', 'cancel'],
    scheduled: ['start', 'cancel'],
    running: ['pause', 'cancel'],
    paused: c.pausedReason ? ['pause', 'resume', 'cancel'] : ['resume', 'cancel'],
    completed: [],
    cancelled: [],
  };
  return byStatus[c.status];
}

/** "menos de 1 min", "12 min", "2 h 5 min", "3 dias". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return t('campaigns.duration.lessThanMinute');
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t('campaigns.duration.minutes', { m: minutes });
  if (minutes < 48 * 60)
    return t('campaigns.duration.hours', { h: Math.floor(minutes / 60), m: minutes % 60 });
  return t('campaigns.duration.days', { d: Math.round(minutes / 1440) });
}

/** One line saying who the campaign goes to. */
export function audienceSummary(c: Pick<Campaign, 'audience'>): string {
  const a = c.audience;
  if (a.type === 'phones') return t('campaigns.audience.phones', { n: a.phones.length });
  if (a.type === 'contacts') return t('campaigns.audience.contacts', { n: a.contactIds.length });
  if (a.type === 'label') return t('campaigns.audience.label', { label: a.label });
  return t('campaigns.audience.all');
}

export const statusBadge: Record<CampaignStatus, string> = {
  draft: '',
  scheduled: 'badge-warn',
  running: 'badge-ok',
  paused: 'badge-warn',
  completed: 'badge-ok',
  cancelled: 'badge-danger',
};
