// Starts the sink worker from TypeScript source (tests, tsx, the CLI), as compact/worker-boot.mjs
// does for the compaction worker. Bundled builds ship worker.js and skip this.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
