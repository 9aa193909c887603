// The Streams view's and the Import dialog's state of each open location, kept beside the
// location (not in it) and ended when it closes: LocationRuntime.close calls closeStreamsOf.
import type { PersistClient } from '../../engine/index.js';
import { AppError } from '../router/errors.js';
import { Imports } from './import.js';
import { LocationStreams } from './streams.js';

interface Extras {
  streams: LocationStreams;
  imports: Imports;
}

const byLocation = new WeakMap<object, Extras>();

export function streamsOf(loc: { engineClient?(): PersistClient }): Extras {
  let x = byLocation.get(loc);
  if (!x) {
    if (!loc.engineClient) throw new AppError('Unsupported', 'this host does not offer streams or imports');
    const client = () => loc.engineClient!();
    x = { streams: new LocationStreams(client), imports: new Imports(client) };
    byLocation.set(loc, x);
  }
  return x;
}

/** Stops the location's streams runtime (if it was started) and its imports. */
export async function closeStreamsOf(loc: object): Promise<void> {
  const x = byLocation.get(loc);
  if (!x) return;
  byLocation.delete(loc);
  x.imports.close();
  await x.streams.stop().catch(() => undefined);
}
