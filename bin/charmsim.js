#!/usr/bin/env node
// The charmsim command line: runs the compiled CLI (built by `npm ci` / `npm run build`).
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv.slice(2));
