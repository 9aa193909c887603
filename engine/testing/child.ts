// A TypeScript child process for the multi-process tests and the reliability runs: runs `script`
// under tsx and hands each line it prints to `onLine` (the children print `ack …` for every
// acknowledged write).
import { spawn, type ChildProcess } from 'node:child_process';

export interface TsxChild {
  child: ChildProcess;
  /** its exit code (null when killed by a signal) */
  exited: Promise<number | null>;
  /** settles once the child exited and its stdout was read to the end: every line was handed on */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** the last 20,000 characters it wrote to stderr */
  stderr(): string;
}

export function spawnTsx(script: string, args: string[], onLine: (line: string) => void, opts: { cwd?: string } = {}): TsxChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) onLine(l);
  });
  // A child killed hundreds of times in a run must not grow the parent's memory with its noise.
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const closed = new Promise<void>((res) => child.stdout!.on('close', () => res()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  const exited = exit.then((e) => e.code);
  const done = Promise.all([exit, closed]).then(([e]) => e);
  return { child, exited, done, stderr: () => stderr };
}
