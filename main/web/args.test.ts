// `npm run serve` flags that decide what a request may open.
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServeArgs } from './args.js';

describe('parseServeArgs', () => {
  it('by default: only the --sandbox file\'s folder, no creation, loopback only', () => {
    const a = parseServeArgs(['--sandbox', '/data/s/x.sqlite']);
    expect(a.allowDirs).toEqual(['/data/s']);
    expect(a.allowCreate).toBe(false);
    expect(a.allowRemote).toBe(false);
  });

  it('--allow-dir adds folders (resolved), --allow-create and --allow-remote opt in', () => {
    const a = parseServeArgs(['--sandbox', 'rel/x.sqlite', '--allow-dir', 'other', '--allow-dir', '/abs', '--allow-create', '--allow-remote']);
    expect(a.allowDirs).toEqual([dirname(resolve('rel/x.sqlite')), resolve('other'), '/abs']);
    expect(a.allowCreate && a.allowRemote).toBe(true);
  });

  it('without --sandbox no folder is open to requests unless given', () => {
    expect(parseServeArgs([]).allowDirs).toEqual([]);
    expect(parseServeArgs(['--blob', 'mem://a', '--consensus', 'mem://a']).allowDirs).toEqual([]);
    expect(() => parseServeArgs(['--allow-dir'])).toThrow(/needs a value/);
  });

  it('--profiles FILE keeps profiles and their secrets in that file (resolved); none by default', () => {
    expect(parseServeArgs([]).profilesFile).toBeNull();
    expect(parseServeArgs(['--profiles', 'p.json']).profilesFile).toBe(resolve('p.json'));
    expect(() => parseServeArgs(['--profiles'])).toThrow(/needs a value/);
  });
});
