import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { channels } from './contract.js';

describe('preload bridge', () => {
  it('uses the contract\'s channel names', () => {
    const src = readFileSync(join(import.meta.dirname, 'index.ts'), 'utf8');
    expect(src).toContain(`'${channels.invoke}'`);
    expect(src).toContain(`'${channels.event}'`);
  });

  it('exposes only window.shardscope, and imports nothing but electron and contract types', () => {
    const src = readFileSync(join(import.meta.dirname, 'index.ts'), 'utf8');
    expect(src.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(src).toContain("exposeInMainWorld('shardscope'");
    const imports = [...src.matchAll(/^import .* from '([^']+)'/gm)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['./contract.js', 'electron']);
    expect(src).toMatch(/import type \{[^}]*\} from '\.\/contract\.js'/);
  });
});
