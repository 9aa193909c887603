#!/usr/bin/env node
// shardscope: inspect and operate persist shards from a terminal (after Materialize's persistcli).
import { Command, CommanderError } from 'commander';
import { redactSecrets } from '../location/redact.js';
import { run } from './commands.js';

const program = new Command();
program.exitOverride();
run(program, process.argv).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    process.stderr.write(`error: ${redactSecrets((e as Error).message)}\n`);
    process.exit(1);
  },
);
