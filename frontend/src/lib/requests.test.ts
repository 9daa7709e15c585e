import { describe, expect, it } from 'vitest';
import { exportRows, facets, fallbacks, filterRequests, groupRequests, toCSV, toJSONL } from './requests';
import type { UsageRecord } from './types';

const rec = (over: Partial<UsageRecord>): UsageRecord => ({
  ID: 'r1-1', RequestID: 'r1', Attempt: 1, Time: '2026-12-05T10:00:00.000Z', Provider: 'mock', AccountID: 1, Model: 'm1',
  Requested: 'ninerouter/active', Combo: 'default', Entry: 'mock/m1', KeyID: 3, Endpoint: '/v1/chat/completions',
  Outcome: 'ok', Status: 200, Error: '', LatencyMs: 40, TTFBMs: 20, Input: 11, Output: 7, CacheRead: 0, CacheWrite: 0,
  Reasoning: 0, Reported: true, CostUSD: 0.01, ...over,
});

// r1 fell back: glm failed (429) after 100 ms, then mock answered 0.2 s later in 40 ms. r2 is a single attempt.
const records = [
  rec({ ID: 'r2-1', RequestID: 'r2', Time: '2026-12-05T10:05:00.000Z', Requested: 'mock/m1', Combo: '', KeyID: 0, LatencyMs: 0 }),
  rec({ ID: 'r1-2', Attempt: 2, Time: '2026-12-05T10:00:00.300Z' }),
  rec({ ID: 'r1-1', Attempt: 1, Provider: 'glm', AccountID: 2, Model: 'glm-4.6', Outcome: 'error', Status: 429, Error: 'rate limited', LatencyMs: 100, Input: 0, Output: 0, Reported: false, CostUSD: 0 }),
];

describe('groupRequests', () => {
  const list = groupRequests(records);
  it('makes one request per RequestID, newest first, attempts in order', () => {
    expect(list.map((r) => r.id)).toEqual(['r2', 'r1']);
    expect(list[1].attempts.map((a) => a.Attempt)).toEqual([1, 2]);
    expect(fallbacks(list[1])).toBe(1);
    expect(fallbacks(list[0])).toBe(0);
  });
  it('takes the outcome and server from the last attempt, sums tokens and cost', () => {
    const r = list[1];
    expect([r.outcome, r.status, r.provider, r.model, r.accountId]).toEqual(['ok', 200, 'mock', 'm1', 1]);
    expect([r.input, r.output, r.costUsd]).toEqual([11, 7, 0.01]);
    expect(r.latencyMs).toBe(340); // first start to last end
  });
});

describe('filterRequests', () => {
  const list = groupRequests(records);
  const names = (id: number) => (id === 2 ? 'work glm' : 'mock account');
  it.each([
    [{}, ['r2', 'r1']],
    [{ model: 'glm/glm-4.6' }, ['r1']],
    [{ model: 'mock/m1' }, ['r2', 'r1']],
    [{ provider: 'glm' }, ['r1']],
    [{ status: 'fallback' }, ['r1']],
    [{ status: 'error' }, []],
    [{ keyId: '0' }, ['r2']],
    [{ search: 'RATE LIMITED' }, ['r1']],
    [{ search: 'work glm' }, ['r1']],
    [{ since: Date.parse('2026-12-05T10:01:00Z') }, ['r2']],
  ])('%j', (f, want) => expect(filterRequests(list, f, names).map((r) => r.id)).toEqual(want));

  it('offers the values present as filter choices', () => {
    expect(facets(list)).toEqual({ models: ['glm/glm-4.6', 'mock/m1', 'ninerouter/active'], providers: ['glm', 'mock'], keys: [0, 3] });
  });
});

describe('export', () => {
  const rows = exportRows(groupRequests(records), (id) => `acct ${id}`, (id) => (id ? `key ${id}` : 'no key'));
  it('has one row per attempt with names, not ids', () => {
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatchObject({ request_id: 'r1', attempt: 1, account: 'acct 2', key: 'key 3', error: 'rate limited' });
  });
  it('writes JSONL, one object a line', () => {
    const text = toJSONL(rows);
    expect(text.trimEnd().split('\n').map((l) => JSON.parse(l).request_id)).toEqual(['r2', 'r1', 'r1']);
  });
  it('writes RFC 4180 CSV, quoting what needs it', () => {
    const csv = toCSV([{ a: 'x,y', b: 'say "hi"', c: 1 }]);
    expect(csv).toBe('a,b,c\r\n"x,y","say ""hi""",1\r\n');
    expect(toCSV([])).toBe('');
  });
});
