// Electron main: binds the router to ipcMain/webContents, owns the runtime host, closes it on quit.
import { app, dialog, ipcMain, safeStorage, BrowserWindow, Menu, type WebContents } from 'electron';
import { join } from 'node:path';
import { channels, type EventEnvelope } from '../preload/contract.js';
import { APP_ORIGIN, registerAppScheme, serveRenderer } from './app-protocol.js';
import { RuntimeHost } from './host/runtime-host.js';
import { Router, type Session } from './router/router.js';
import { useElectronSqlite } from './sqlite-native.js';
import { createWindow, denyPermissions, harden, isAppUrl } from './window.js';
import { DesktopLocationPolicy } from './location-policy.js';
import { minimalMenuTemplate } from './menu.js';
import { redactSecrets } from '../engine/index.js';
import { registerImportPicker } from './host/import-sources.js';
import { ProfileStore } from './host/profiles.js';
import { ProfileService } from './host/profiles-service.js';
import { describeSecrets, safeStorageSecrets } from './host/secret-store.js';

// Tests and power users may move the user-data folder (and with it the sandbox).
if (process.env.SHARDSCOPE_USER_DATA) app.setPath('userData', process.env.SHARDSCOPE_USER_DATA);

registerAppScheme();
app.enableSandbox();

const appRoot = app.getAppPath();
const nativeSqlite = useElectronSqlite(appRoot);
// The development server's URL is honoured only in development: a packaged app loads its own files.
const devUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
const devTools = !app.isPackaged;
const policy = new DesktopLocationPolicy();
const appOrigin = devUrl ? new URL(devUrl).origin : APP_ORIGIN;
// Every web contents, not only our window's, gets the navigation, window-open and webview rules.
app.on('web-contents-created', (_e, contents) => harden(contents, appOrigin, { devTools }));

let host: RuntimeHost | null = null;
let router: Router | null = null;
const sessions = new Map<number, Session>();

function sessionOf(contents: WebContents): Session {
  let s = sessions.get(contents.id);
  if (!s) {
    const session: Session = {
      send: (e: EventEnvelope) => {
        if (!contents.isDestroyed()) contents.send(channels.event, e);
      },
    };
    sessions.set(contents.id, (s = session));
    contents.once('destroyed', () => {
      sessions.delete(contents.id);
      router?.closeSession(session);
    });
  }
  return s;
}

function openWindow(): void {
  createWindow({
    preload: join(import.meta.dirname, '../preload/index.cjs'),
    url: devUrl ?? `${APP_ORIGIN}/index.html`,
    appOrigin,
    devTools,
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  denyPermissions();
  if (app.isPackaged) Menu.setApplicationMenu(Menu.buildFromTemplate(minimalMenuTemplate(process.platform)));
  serveRenderer(join(import.meta.dirname, '../renderer'));
  const userData = app.getPath('userData');
  // Secrets sealed by the OS keychain; where it offers no encryption they are never written, only kept until quit.
  const secrets = safeStorageSecrets(safeStorage);
  const profilesFile = join(userData, 'profiles.json');
  const profiles = new ProfileService(
    new ProfileStore(profilesFile, secrets),
    describeSecrets(secrets ? 'encrypted' : 'memory', profilesFile, 'no-os-encryption'),
    { policy },
  );
  host = new RuntimeHost({
    version: app.getVersion(),
    hostKind: 'electron',
    defaultLocation: { kind: 'sandbox', path: join(userData, 'sandbox.sqlite') },
    defaultChosenByUser: false,
    recentsFile: join(userData, 'recent-locations.json'),
    demo: process.env.SHARDSCOPE_NO_DEMO !== '1',
    pickSandbox: async () => {
      const win = BrowserWindow.getFocusedWindow();
      const opts = {
        title: 'Open a sandbox file',
        properties: ['openFile', 'promptToCreate'] as ('openFile' | 'promptToCreate')[],
        filters: [{ name: 'SQLite sandbox', extensions: ['sqlite', 'db'] }],
      };
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      const path = r.canceled ? null : (r.filePaths[0] ?? null);
      // Only a path the user chose here may then be opened by locations.open.
      if (path) policy.notePicked(path);
      return path;
    },
    policy,
    profiles,
    log: (m, e) => console.error(m, e === undefined ? '' : redactSecrets(String(e))),
  });
  router = new Router(host);
  // Import files come from main's own dialog: main reads the path, the renderer gets an opaque id.
  registerImportPicker(async () => {
    const win = BrowserWindow.getFocusedWindow();
    const opts = { title: 'Import rows into a shard', properties: ['openFile'] as 'openFile'[], filters: [{ name: 'Rows (JSON lines, CSV)', extensions: ['jsonl', 'ndjson', 'json', 'csv'] }] };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  const r = router;
  ipcMain.handle(channels.invoke, (event, method: unknown, params: unknown) => {
    // Only the app's own page may call the router.
    const frame = event.senderFrame;
    if (!frame || frame !== event.sender.mainFrame || !isAppUrl(frame.url, appOrigin)) {
      return { ok: false, error: { code: 'BadRequest', message: 'requests are only accepted from the app\'s own page' } };
    }
    return r.invoke(sessionOf(event.sender), method, params);
  });
  if (nativeSqlite) console.log(`[main] better-sqlite3 for Electron: ${nativeSqlite}`);
  await host.start().catch((e) => console.error('[main] opening the sandbox failed', e));
  openWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
}

let quitting = false;
app.on('before-quit', (e) => {
  if (quitting || !host) return;
  e.preventDefault();
  quitting = true;
  router?.closeAll();
  void host.close().finally(() => app.quit());
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

start().catch((e) => {
  console.error('[main] failed to start', e);
  app.exit(1);
});
