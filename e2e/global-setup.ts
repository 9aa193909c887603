// Builds the app once (main, preload, renderer) for both hosts.
import { execFileSync } from 'node:child_process';

export default function globalSetup(): void {
  if (process.env.SHARDSCOPE_E2E_SKIP_BUILD === '1') return;
  execFileSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
}
