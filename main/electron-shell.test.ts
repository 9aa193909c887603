// The Electron shell's hardening, checked without an Electron binary: a stand-in `electron` module
// records what main/index.ts, main/window.ts, main/app-protocol.ts and preload/index.ts ask of it,
// and each test asserts one rule (webPreferences, CSP header, handlers, IPC sender checks, app://
// path handling, packaged vs development).
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../engine/testing/util.js';

type Handler = (...args: any[]) => any;

const rec = vi.hoisted(() => {
  const fresh = () => ({
    isPackaged: false,
    userData: '',
    appOn: new Map<string, Handler[]>(),
    windows: [] as { options: any; contents: any; url: string | null }[],
    ipcHandlers: new Map<string, Handler>(),
    exposed: new Map<string, any>(),
    ipcRendererCalls: [] as unknown[][],
    schemes: [] as any[],
    protocolHandlers: new Map<string, Handler>(),
    permissionRequest: null as Handler | null,
    permissionCheck: null as Handler | null,
    menu: undefined as any,
    dialogResult: { canceled: true, filePaths: [] as string[] },
    encryptionAvailable: true,
    quit: 0,
  });
  const state = { r: fresh(), fresh };
  return state;
});

function makeContents() {
  const on = new Map<string, Handler[]>();
  const contents: any = {
    id: Math.floor(Math.random() * 1e9),
    on: (ev: string, f: Handler) => (on.set(ev, [...(on.get(ev) ?? []), f]), contents),
    once: (ev: string, f: Handler) => (on.set(ev, [...(on.get(ev) ?? []), f]), contents),
    emit: (ev: string, ...args: unknown[]) => (on.get(ev) ?? []).map((f) => f(...args)),
    listeners: on,
    windowOpenHandler: null as Handler | null,
    setWindowOpenHandler: (f: Handler) => (contents.windowOpenHandler = f),
    closeDevTools: vi.fn(),
    isDestroyed: () => false,
    send: vi.fn(),
  };
  contents.mainFrame = { url: 'app://shardscope/index.html' };
  return contents;
}

vi.mock('electron', () => {
  const r = () => rec.r;
  class BrowserWindow {
    webContents = makeContents();
    constructor(options: any) {
      r().windows.push({ options, contents: this.webContents, url: null });
    }
    once() {}
    show() {}
    loadURL(url: string) {
      r().windows[r().windows.length - 1].url = url;
      return Promise.resolve();
    }
    static getFocusedWindow() {
      return null;
    }
    static getAllWindows() {
      return r().windows;
    }
  }
  return {
    app: {
      get isPackaged() {
        return r().isPackaged;
      },
      setPath: vi.fn(),
      getPath: () => r().userData,
      getAppPath: () => r().userData,
      getVersion: () => '0.0.0-test',
      enableSandbox: vi.fn(),
      whenReady: () => Promise.resolve(),
      on: (ev: string, f: Handler) => r().appOn.set(ev, [...(r().appOn.get(ev) ?? []), f]),
      quit: () => r().quit++,
      exit: vi.fn(),
    },
    BrowserWindow,
    nativeTheme: { shouldUseDarkColors: true },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (f: Handler) => (r().permissionRequest = f),
        setPermissionCheckHandler: (f: Handler) => (r().permissionCheck = f),
      },
    },
    ipcMain: { handle: (ch: string, f: Handler) => r().ipcHandlers.set(ch, f) },
    dialog: { showOpenDialog: async () => r().dialogResult },
    // safeStorage stand-in: an opaque (reversible) encoding; the real one is the OS keychain.
    safeStorage: {
      isEncryptionAvailable: () => r().encryptionAvailable,
      encryptString: (t: string) => Buffer.from(Buffer.from(t, 'utf8').map((b) => b ^ 0xa5)),
      decryptString: (b: Buffer) => Buffer.from(b.map((x) => x ^ 0xa5)).toString('utf8'),
    },
    Menu: { setApplicationMenu: (m: any) => (r().menu = m), buildFromTemplate: (t: any) => ({ template: t }) },
    protocol: {
      registerSchemesAsPrivileged: (s: any[]) => r().schemes.push(...s),
      handle: (scheme: string, f: Handler) => r().protocolHandlers.set(scheme, f),
    },
    net: {
      // file:// fetch as Electron's net.fetch does it: the file's bytes with a type.
      fetch: async (url: string) => new Response(readFileSync(new URL(url)), { status: 200, headers: { 'Content-Type': 'text/html' } }),
    },
    contextBridge: { exposeInMainWorld: (k: string, v: any) => r().exposed.set(k, v) },
    ipcRenderer: {
      invoke: (...a: unknown[]) => (r().ipcRendererCalls.push(a), Promise.resolve({ ok: true, value: null })),
      on: vi.fn(),
      removeListener: vi.fn(),
    },
  };
});

let tmp: { dir: string; cleanup: () => void };
let renderer: string;

beforeAll(() => {
  tmp = tempDir();
  renderer = join(tmp.dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(tmp.dir, 'outside.txt'), 'outside');
  symlinkSync(join(tmp.dir, 'outside.txt'), join(renderer, 'link.txt'));
  mkdirSync(join(renderer, 'dir'));
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  rec.r = rec.fresh();
});

describe('main/window.ts', () => {
  it('creates the one window isolated, sandboxed, without Node, webviews or (when packaged) DevTools', async () => {
    const { createWindow } = await import('./window.js');
    createWindow({ preload: '/p.cjs', url: 'app://shardscope/index.html', appOrigin: 'app://shardscope', devTools: false });
    const wp = rec.r.windows[0].options.webPreferences;
    expect(wp).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
      preload: '/p.cjs',
    });
    expect(wp.nodeIntegrationInSubFrames).not.toBe(true);
    expect(wp.enableBlinkFeatures).toBeUndefined();
    expect(rec.r.windows[0].url).toBe('app://shardscope/index.html');
  });

  it('denies navigation and redirects off the app origin, new windows and webviews; closes DevTools when packaged', async () => {
    const { createWindow } = await import('./window.js');
    createWindow({ preload: '/p.cjs', url: 'app://shardscope/index.html', appOrigin: 'app://shardscope', devTools: false });
    const c = rec.r.windows[0].contents;
    const attempt = (ev: string, url: string) => {
      const e = { preventDefault: vi.fn() };
      c.emit(ev, e, url);
      return e.preventDefault.mock.calls.length > 0;
    };
    for (const ev of ['will-navigate', 'will-redirect']) {
      expect(attempt(ev, 'https://evil.example/')).toBe(true);
      expect(attempt(ev, 'file:///etc/passwd')).toBe(true);
      expect(attempt(ev, 'app://shardscope.evil/x')).toBe(true);
      expect(attempt(ev, 'not a url')).toBe(true);
      expect(attempt(ev, 'data:text/html,<script>1</script>')).toBe(true);
      expect(attempt(ev, 'app://evil/index.html')).toBe(true);
      expect(attempt(ev, 'app://shardscope/index.html#/shards')).toBe(false);
    }
    expect(attempt('will-attach-webview', 'app://shardscope/')).toBe(true);
    expect(c.windowOpenHandler({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(c.windowOpenHandler({ url: 'app://shardscope/index.html' })).toEqual({ action: 'deny' });
    c.emit('devtools-opened');
    expect(c.closeDevTools).toHaveBeenCalled();
  });

  it('denies every permission request and check', async () => {
    const { denyPermissions } = await import('./window.js');
    denyPermissions();
    const cb = vi.fn();
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) rec.r.permissionRequest!({}, p, cb);
    expect(cb.mock.calls.every(([allowed]) => allowed === false)).toBe(true);
    expect(rec.r.permissionCheck!({}, 'media')).toBe(false);
  });
});

describe('main/app-protocol.ts', () => {
  it('registers app:// as a standard secure scheme, without bypassing the CSP', async () => {
    const { registerAppScheme } = await import('./app-protocol.js');
    registerAppScheme();
    expect(rec.r.schemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(rec.r.schemes[0].privileges.bypassCSP).not.toBe(true);
  });

  it('serves the renderer with the CSP as a header', async () => {
    const { serveRenderer } = await import('./app-protocol.js');
    serveRenderer(renderer);
    const res: Response = await rec.r.protocolHandlers.get('app')!({ url: 'app://shardscope/', method: 'GET' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>app</title>');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    ['app://shardscope/../outside.txt', 'traversal'],
    ['app://shardscope/%2e%2e/outside.txt', 'encoded traversal'],
    ['app://shardscope/..%2Foutside.txt', 'encoded slash'],
    ['app://shardscope/link.txt', 'a symlink out of the folder'],
    ['app://shardscope/dir', 'a directory'],
    ['app://shardscope/%E0%A4%A', 'an undecodable name (decodeURIComponent throws)'],
    ['app://shardscope/index.html%00', 'a NUL byte'],
    ['app://other/index.html', 'another host'],
    ['app://shardscope/missing.js', 'a missing file'],
  ])('%s (%s) → 404, never a throw', async (url) => {
    const { serveRenderer } = await import('./app-protocol.js');
    serveRenderer(renderer);
    const res: Response = await rec.r.protocolHandlers.get('app')!({ url, method: 'GET' });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('outside');
  });
});

describe('preload/index.ts', () => {
  it('exposes exactly window.shardscope { invoke, subscribe } over the fixed channels', async () => {
    vi.resetModules();
    await import('../preload/index.js');
    expect([...rec.r.exposed.keys()]).toEqual(['shardscope']);
    const bridge = rec.r.exposed.get('shardscope');
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'subscribe']);
    await bridge.invoke('app.info', {});
    expect(rec.r.ipcRendererCalls).toEqual([['shardscope:invoke', 'app.info', {}]]);
    // No Electron object leaks through: the bridge's values are plain functions.
    expect(Object.values(bridge).every((v) => typeof v === 'function')).toBe(true);
  });
});

describe('main/index.ts', () => {
  async function boot(mode: { packaged: boolean; devUrl?: string }) {
    vi.resetModules();
    rec.r.isPackaged = mode.packaged;
    rec.r.userData = join(tmp.dir, `ud-${mode.packaged ? 'pkg' : 'dev'}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(rec.r.userData);
    process.env.SHARDSCOPE_NO_DEMO = '1';
    if (mode.devUrl) process.env.ELECTRON_RENDERER_URL = mode.devUrl;
    else delete process.env.ELECTRON_RENDERER_URL;
    await import('./index.js');
    await vi.waitFor(() => expect(rec.r.windows.length).toBeGreaterThan(0), { timeout: 20_000 });
    const invoke = rec.r.ipcHandlers.get('shardscope:invoke')!;
    const quit = async () => {
      const e = { preventDefault: vi.fn() };
      for (const f of rec.r.appOn.get('before-quit') ?? []) f(e);
      await vi.waitFor(() => expect(rec.r.quit).toBeGreaterThan(0), { timeout: 20_000 });
      delete process.env.ELECTRON_RENDERER_URL;
    };
    return { invoke, quit };
  }

  const appFrame = (url = 'app://shardscope/index.html') => {
    const sender = makeContents();
    sender.mainFrame = { url };
    return { sender, senderFrame: sender.mainFrame };
  };

  it('packaged: ignores ELECTRON_RENDERER_URL, DevTools off, a minimal menu without reload or DevTools', async () => {
    const { quit } = await boot({ packaged: true, devUrl: 'http://evil.example:5173/' });
    try {
      const w = rec.r.windows[0];
      expect(w.url).toBe('app://shardscope/index.html');
      expect(w.options.webPreferences.devTools).toBe(false);
      const roles = JSON.stringify(rec.r.menu.template);
      expect(roles).not.toMatch(/toggleDevTools|reload|forceReload/);
      expect(roles).toMatch(/"quit"/);
    } finally {
      await quit();
    }
  });

  it('development: honours ELECTRON_RENDERER_URL and keeps DevTools and the default menu', async () => {
    const { quit } = await boot({ packaged: false, devUrl: 'http://localhost:5173/' });
    try {
      expect(rec.r.windows[0].url).toBe('http://localhost:5173/');
      expect(rec.r.windows[0].options.webPreferences.devTools).toBe(true);
      expect(rec.r.menu).toBeUndefined();
    } finally {
      await quit();
    }
  });

  it('hardens every web contents the app creates, not only its window', async () => {
    const { quit } = await boot({ packaged: true });
    try {
      const other = makeContents();
      for (const f of rec.r.appOn.get('web-contents-created') ?? []) f({}, other);
      expect(other.windowOpenHandler({ url: 'https://x.example' })).toEqual({ action: 'deny' });
      const e = { preventDefault: vi.fn() };
      other.emit('will-navigate', e, 'https://x.example');
      expect(e.preventDefault).toHaveBeenCalled();
    } finally {
      await quit();
    }
  });

  it('IPC: only the app page\'s main frame may call the router', async () => {
    const { invoke, quit } = await boot({ packaged: true });
    try {
      expect((await invoke(appFrame(), 'app.info', {})).ok).toBe(true);
      for (const url of ['https://evil.example/', 'file:///tmp/x.html', 'data:text/html,x', 'app://evil/index.html']) {
        expect(await invoke(appFrame(url), 'app.info', {})).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
      }
      const sub = appFrame();
      const subframe = { sender: sub.sender, senderFrame: { url: 'app://shardscope/index.html' } };
      expect(await invoke(subframe, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
      expect(await invoke({ sender: sub.sender, senderFrame: null }, 'app.info', {})).toMatchObject({ ok: false });
    } finally {
      await quit();
    }
  });

  it('profiles: secrets are sealed with safeStorage in profiles.json; without OS encryption they are not written', async () => {
    for (const available of [true, false]) {
      rec.r.encryptionAvailable = available;
      const { invoke, quit } = await boot({ packaged: true });
      try {
        const input = {
          name: 'prod', kind: 's3pg',
          postgres: { host: '127.0.0.1', database: 'persist', user: 'mz', password: 'pg-secret-123' },
          s3: { bucket: 'bucket-a', credentials: 'keys', accessKeyId: 'AK', secretAccessKey: 's3-secret-456' },
        };
        const created = await invoke(appFrame(), 'profiles.create', { input });
        expect(created).toMatchObject({ ok: true, value: { hasPassword: true, hasSecretKey: true, secretsPersisted: available } });
        expect(JSON.stringify(created)).not.toMatch(/pg-secret-123|s3-secret-456/);
        const onDisk = readFileSync(join(rec.r.userData, 'profiles.json'), 'utf8');
        expect(onDisk).toContain('"name": "prod"');
        expect(onDisk).not.toMatch(/pg-secret-123|s3-secret-456/);
        const list = await invoke(appFrame(), 'profiles.list', {});
        expect(list.value.secrets.at).toBe(available ? 'encrypted' : 'memory');
      } finally {
        await quit();
      }
    }
  });

  it('locations: a sandbox path typed into a request is refused; the file dialog\'s choice opens', async () => {
    const { invoke, quit } = await boot({ packaged: true });
    try {
      const path = join(rec.r.userData, 'chosen.sqlite');
      const typed = await invoke(appFrame(), 'locations.open', { kind: 'sandbox', path });
      expect(typed).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
      expect(typed.error.message).toMatch(/file dialog/);
      rec.r.dialogResult = { canceled: false, filePaths: [path] };
      expect(await invoke(appFrame(), 'locations.pickSandbox', {})).toEqual({ ok: true, value: { path } });
      // The chosen file does not exist yet: like any new sandbox, it opens once the user confirms.
      const unconfirmed = await invoke(appFrame(), 'locations.open', { kind: 'sandbox', path });
      expect(unconfirmed).toMatchObject({ ok: false, error: { code: 'NotFound' } });
      const picked = await invoke(appFrame(), 'locations.open', { kind: 'sandbox', path, create: true });
      expect(picked.ok).toBe(true);
      expect(picked.value.path).toBe(path);
    } finally {
      await quit();
    }
  });
});
