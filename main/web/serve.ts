// `npm run serve`: the app as a web host. Builds the renderer if needed, opens the location, serves
// on 127.0.0.1 and prints one line with the URL (including this start's token).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactSecrets } from '../../engine/index.js';
import { RuntimeHost } from '../host/runtime-host.js';
import { ProfileStore } from '../host/profiles.js';
import { ProfileService } from '../host/profiles-service.js';
import { describeSecrets, fileSecrets } from '../host/secret-store.js';
import { WebLocationPolicy } from '../location-policy.js';
import { Router } from '../router/router.js';
import { parseServeArgs } from './args.js';
import { buildRenderer, rendererIsStale } from './build.js';
import { startWebServer } from './server.js';

const appRoot = join(import.meta.dirname, '..', '..');

async function main(): Promise<void> {
  let args;
  try {
    args = parseServeArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  if (process.env.SHARDSCOPE_SKIP_BUILD !== '1' && rendererIsStale(appRoot)) {
    console.error('[serve] building the renderer…');
    await buildRenderer();
  }
  const version = (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const policy = new WebLocationPolicy({ allowDirs: args.allowDirs, allowCreate: args.allowCreate, allowRemote: args.allowRemote });
  // Profiles: with --profiles FILE, in that file with their secrets (mode 0600); without it, in the
  // user-data folder with secrets in memory only (typed again after a restart).
  const profilesFile = args.profilesFile ?? join(args.userData, 'web-profiles.json');
  const profiles = new ProfileService(
    new ProfileStore(profilesFile, args.profilesFile ? fileSecrets : null),
    describeSecrets(args.profilesFile ? 'file' : 'memory', profilesFile, 'web-default'),
    { policy },
  );
  const host = new RuntimeHost({
    version,
    hostKind: 'web',
    defaultLocation: args.location,
    defaultChosenByUser: args.chosenByUser,
    recentsFile: join(args.userData, 'recent-locations.json'),
    demo: args.demo,
    log: (m, e) => console.error(m, e === undefined ? '' : redactSecrets(String(e))),
    // What a request may open (README "Security"); a profile's endpoints are checked by where they are.
    policy,
    profiles,
  });
  await host.start();
  const router = new Router(host);
  const server = await startWebServer({ router, rendererDir: join(appRoot, 'out', 'renderer'), port: args.port });
  console.log(`Shardscope is serving ${server.url}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    router.closeAll();
    await server.close();
    await host.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e) => {
  console.error('[serve] failed to start:', redactSecrets(e instanceof Error ? e.message : String(e)));
  process.exit(1);
});
