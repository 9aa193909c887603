// The check after a kill or a multi-process run: every acknowledged key is in the shard exactly
// once, no key is there twice, every retained version decodes and every referenced blob exists.
import { codecs, PersistClient } from '../../engine/index.js';
import { checkIntegrity } from '../../engine/model/integrity.js';
import { countKeys } from './child.js';

export interface ShardCheck {
  /** acknowledged keys not in the shard */
  lost: string[];
  /** keys in the shard more than once */
  duplicates: string[];
  /** retained versions that fail to decode, blobs referenced but missing, reads that failed */
  unreadable: string[];
  keys: number;
  versions: number;
}

export async function checkShard(path: string, shard: string, acked: Iterable<string>): Promise<ShardCheck> {
  const c = await PersistClient.openSandbox(path);
  const out: ShardCheck = { lost: [], duplicates: [], unreadable: [], keys: 0, versions: 0 };
  try {
    const integrity = await checkIntegrity(c, shard);
    out.versions = integrity.versions;
    out.unreadable.push(...integrity.unreadable, ...integrity.missingBlobs.map((k) => `missing blob ${k}`));
    const info = await c.inspectShard(shard);
    const upper = info.upper[0] as number;
    let counts = new Map<string, number>();
    if (upper > 0) {
      const r = await c.openLeasedReader(shard, { keyCodec: codecs.string, valCodec: codecs.string });
      try {
        counts = countKeys(await r.snapshotAndFetch([upper - 1]));
      } catch (e) {
        out.unreadable.push(`snapshot: ${(e as Error).message}`);
        return out;
      } finally {
        await r.expire().catch(() => undefined);
      }
    }
    out.keys = counts.size;
    for (const k of acked) if ((counts.get(k) ?? 0) < 1) out.lost.push(k);
    for (const [k, n] of counts) if (n > 1) out.duplicates.push(k);
  } catch (e) {
    out.unreadable.push(`check: ${(e as Error).message}`);
  } finally {
    await c.close();
  }
  return out;
}
