// electron-vite: main (+ the engine's compaction worker beside it), the sandboxed preload (CommonJS,
// as sandboxed preloads must be) and the renderer.
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = import.meta.dirname;

/** The renderer's build, also used alone by the web host (main/web/build.ts). */
export const rendererConfig = {
  root: resolve(root, 'renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(root, 'out/renderer'),
    emptyOutDir: true,
    minify: true,
    target: 'chrome130',
    rolldownOptions: { input: resolve(root, 'renderer/index.html') },
  },
};

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        input: {
          index: resolve(root, 'main/index.ts'),
          // the engine finds its worker as ./worker.js beside the bundle
          worker: resolve(root, 'engine/compact/worker.ts'),
          // and the parallel sink's as ./sink-worker.js
          'sink-worker': resolve(root, 'engine/sink/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { index: resolve(root, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: rendererConfig,
});
