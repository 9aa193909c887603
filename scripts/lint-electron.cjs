#!/usr/bin/env node
// `npm run lint:electron`: Electronegativity (Doyensec's Electron security checks, offline) over
// main/ and preload/. Every finding it still reports must be listed in JUSTIFIED with the reason
// (the README's "Security" section says the same); anything else fails the run.
// Its CLI does not start with this project's commander, so its runner is called directly.
const { join } = require('node:path');
const run = require('@doyensec/electronegativity/dist/runner.js');

const root = join(__dirname, '..');
const ELECTRON = require('electron/package.json').version;

/** id@file → why it stays. */
const JUSTIFIED = {
  'CSP_GLOBAL_CHECK@N/A':
    'the CSP is sent as a response header by app:// (main/app-protocol.ts, main/csp.ts), which the check does not recognise; main/electron-shell.test.ts asserts it',
  'PRELOAD_JS_CHECK@window.ts':
    'the preload is the bridge: sandboxed, contextIsolation on, it exposes two functions (invoke, subscribe) and no Electron or Node object',
};

// App-wide checks (CSP, navigation limits, permission handler) are answered by main/; scanning
// preload/ alone cannot see them, so they run in the main/ scan only.
const GLOBAL_ONLY_IN_MAIN = ['CSPGlobalCheck', 'LimitNavigationGlobalCheck', 'PermissionRequestHandlerGlobalCheck'];

(async () => {
  let unjustified = 0;
  for (const dir of ['main', 'preload']) {
    const result = await run({
      input: join(root, dir),
      isRelative: true,
      electronVersionOverride: ELECTRON,
      excludeFromScan: dir === 'preload' ? GLOBAL_ONLY_IN_MAIN : [],
    });
    const issues = result.issues.filter((i) => !/\.test\.ts$/.test(i.file));
    for (const i of issues) {
      const key = `${i.id}@${i.file}`;
      const why = JUSTIFIED[key];
      const where = `${dir}/${i.file}:${i.location.line}`;
      if (why) console.log(`justified  ${i.id} ${where}: ${why}`);
      else {
        unjustified++;
        console.log(`FINDING    ${i.id} (${i.severity.name}) ${where}: ${i.description || ''}`);
      }
    }
    console.log(`[electronegativity] ${dir}/: ${result.atomicChecks} atomic + ${result.globalChecks} global checks, ${issues.length} findings`);
  }
  if (unjustified) {
    console.log(`[electronegativity] ${unjustified} finding(s) neither fixed nor justified in scripts/lint-electron.cjs`);
    process.exit(1);
  }
})().catch((e) => {
  console.error('[electronegativity] failed:', e);
  process.exit(2);
});
