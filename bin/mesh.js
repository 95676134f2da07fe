#!/usr/bin/env node
// The `mesh` command: a thin launcher over the compiled CLI (built by `npm install` via `prepare`).
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
