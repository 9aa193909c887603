// The packaged app's menu: only what a user needs (edit shortcuts, window, quit), none of the
// default menu's Reload / Force Reload / Toggle Developer Tools.
import type { MenuItemConstructorOptions } from 'electron';

export function minimalMenuTemplate(platform: NodeJS.Platform): MenuItemConstructorOptions[] {
  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };
  const window: MenuItemConstructorOptions = { label: 'Window', submenu: [{ role: 'minimize' }, { role: 'close' }] };
  if (platform === 'darwin') {
    return [{ label: 'Shardscope', submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'quit' }] }, edit, window];
  }
  return [{ label: 'File', submenu: [{ role: 'quit' }] }, edit, window];
}
