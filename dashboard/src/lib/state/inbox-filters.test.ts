import { describe, expect, it } from 'vitest';
import { conv } from './inbox.fixtures';
import { filterFromQuery, filterToQuery, matchesScope, sameFilter, upsertConversation } from './inbox-logic';

describe('inbox filters: URL, scope, live updates', () => {
  it('reads and writes the URL query, defaults left out, unknown status ignored', () => {
    const f = filterFromQuery(new URLSearchParams('status=pending&assignee=me&label=vip&instanceId=i2'));
    expect(f).toEqual({ status: 'pending', assignee: 'me', label: 'vip', instanceId: 'i2' });
    expect(filterToQuery(f)).toBe('?status=pending&assignee=me&label=vip&instanceId=i2');
    expect(filterFromQuery(new URLSearchParams('status=nope&label=%20'))).toEqual({ status: 'open' });
    expect(filterToQuery({ status: 'open' })).toBe('');
    expect(sameFilter({ status: 'open', q: ' a ' }, { status: 'open', q: 'a', label: '' })).toBe(true);
    expect(sameFilter({ status: 'open', q: '', assignee: 'me' }, { status: 'open', q: '' })).toBe(false);
  });

  it('Minhas / Sem responsável / a user, a label and a number', () => {
    const mine = conv({ assigneeId: 'u1', labels: ['vip'], instanceId: 'i1' });
    const free = conv({ assigneeId: null, labels: [], instanceId: 'i2' });
    const base = { status: 'open' as const, q: '' };
    expect(matchesScope(mine, { ...base, assignee: 'me' }, 'u1')).toBe(true);
    expect(matchesScope(free, { ...base, assignee: 'me' }, 'u1')).toBe(false);
    expect(matchesScope(free, { ...base, assignee: 'none' })).toBe(true);
    expect(matchesScope(mine, { ...base, assignee: 'u2' })).toBe(false);
    expect(matchesScope(mine, { ...base, label: 'vip' })).toBe(true);
    expect(matchesScope(free, { ...base, label: 'vip' })).toBe(false);
    expect(matchesScope(free, { ...base, instanceId: 'i2' })).toBe(true);
    expect(matchesScope(mine, base)).toBe(true);
  });

  it('a conversation that gets assigned leaves "Sem responsável"; one that gets the label joins it', () => {
    const c = conv({ assigneeId: null });
    const unassigned = { status: 'open' as const, q: '', assignee: 'none' };
    const list = { items: [c], hasMore: false };
    expect(upsertConversation(list, { ...c, assigneeId: 'u1' }, unassigned, 'u1').items).toEqual([]);
    const vip = { status: 'open' as const, q: '', label: 'vip' };
    const joined = upsertConversation({ items: [], hasMore: false }, { ...c, labels: ['vip'] }, vip);
    expect(joined.items.map((x) => x.id)).toEqual([c.id]);
  });
});
