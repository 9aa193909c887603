// A TypeScript child process for the multi-process tests: runs `script` under tsx and hands each
// line it prints to `onLine` (the children print `ack …` for every acknowledged write).
import { spawn, type ChildProcess } from 'node:child_process';

export interface TsxChild {
  child: ChildProcess;
  /** its exit code (null when killed by a signal) */
  exited: Promise<number | null>;
  stderr(): string;
}

export function spawnTsx(script: string, args: string[], onLine: (line: string) => void): TsxChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) onLine(l);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, exited, stderr: () => stderr };
}
