// Starts the compaction worker from TypeScript source (tests, tsx, the CLI): registers tsx's
// loader in this thread, then loads the worker. Bundled builds ship worker.js and skip this.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
