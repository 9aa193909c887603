import { describe, expect, it } from 'vitest';
import { formatRoute, HOME, parseRoute } from './route';

describe('hash routes', () => {
  const shard = 's0b5a1c3e-1111-4222-8333-944445555666';
  it('round-trips location, shard and tab', () => {
    for (const r of [HOME, { ...HOME, loc: 'default' }, { loc: 'loc2', shard, tab: 'overview' as const }, { loc: 'default', shard, tab: 'data' as const }]) {
      expect(parseRoute(formatRoute(r))).toEqual(r.loc ? r : HOME);
    }
    expect(formatRoute({ loc: 'default', shard, tab: 'live' })).toBe(`#/default/shard/${shard}/live`);
  });

  it('an unknown tab or a malformed hash falls back instead of failing', () => {
    expect(parseRoute(`#/default/shard/${shard}/nope`)).toEqual({ loc: 'default', shard, tab: 'overview' });
    expect(parseRoute('#/default/elsewhere')).toEqual({ ...HOME, loc: 'default' });
    expect(parseRoute('')).toEqual(HOME);
    expect(parseRoute(formatRoute({ ...HOME, loc: 'default', streams: true }))).toEqual({ ...HOME, loc: 'default', streams: true });
    expect(formatRoute({ ...HOME, loc: 'default', streams: true })).toBe('#/default/streams');
  });
});
