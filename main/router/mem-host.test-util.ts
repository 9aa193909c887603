// The host the router tests run against: a RuntimeHost over a fresh in-memory location (the real
// engine), as the web host builds one, with compaction off unless a test turns it on.
import { RuntimeHost } from '../host/runtime-host.js';

type HostOptions = ConstructorParameters<typeof RuntimeHost>[0];

let n = 0;

export function memHost(prefix: string, options: Partial<HostOptions> = {}): RuntimeHost {
  const name = `${prefix}-${process.pid}-${n++}`;
  return new RuntimeHost({
    version: 'test',
    hostKind: 'web',
    defaultLocation: { kind: 'uri', blob: `mem://${name}`, consensus: `mem://${name}` },
    defaultChosenByUser: true,
    recentsFile: null,
    demo: false,
    engineConfig: { compactionEnabled: false },
    ...options,
  });
}
