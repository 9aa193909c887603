// The one hardened window: isolated, sandboxed, no Node; navigation and new windows denied except
// the app's own origin; shown when ready (dark from the first frame when the system is dark).
import { BrowserWindow, nativeTheme, session, type WebContents } from 'electron';

/**
 * Scheme, host and port compared one by one: Node's URL gives every non-special scheme (app:,
 * file:, data:) the origin "null", so comparing origins would let file:// and data: pages pass.
 */
export function isAppUrl(url: string, appOrigin: string): boolean {
  try {
    const u = new URL(url);
    const o = new URL(appOrigin);
    return o.host !== '' && u.protocol === o.protocol && u.host === o.host;
  } catch {
    return false;
  }
}

export function harden(contents: WebContents, appOrigin: string, opts: { devTools?: boolean } = {}): void {
  // Packaged builds: no DevTools, even if something (a shortcut, a stale menu) opens them.
  if (opts.devTools === false) contents.on('devtools-opened', () => contents.closeDevTools());
  contents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url, appOrigin)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!isAppUrl(url, appOrigin)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function denyPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

export function createWindow(opts: { preload: string; url: string; appOrigin: string; devTools?: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Shardscope',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#111418' : '#ffffff',
    autoHideMenuBar: true,
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      devTools: opts.devTools ?? true,
      // middle-click opens links in new windows outside the window-open handler's reach
      disableBlinkFeatures: 'Auxclick',
    },
  });
  harden(win.webContents, opts.appOrigin, { devTools: opts.devTools });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.url);
  return win;
}
