#!/usr/bin/env node
/** The `branch-steward` command line: `protect` (src/cli/protect.ts) and `audit` (src/cli/audit.ts). */
import { cli } from "./protect.js";

const io = {
  out: (line: string) => process.stdout.write(`${line}\n`),
  err: (line: string) => process.stderr.write(`${line}\n`),
};

process.exitCode = await cli(process.argv.slice(2), process.env, io);
