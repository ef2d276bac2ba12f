#!/usr/bin/env -S npx tsx
// `pnpm boo …` — see boo-cli.ts for commands and exit codes.
import { runCli } from './boo-cli';

const env = { BOO_URL: process.env.BOO_URL, BOO_TOKEN: process.env.BOO_TOKEN, BOO_TOKEN_FILE: process.env.BOO_TOKEN_FILE };
// `boo mcp` speaks JSON-RPC on stdout: nothing else may be printed there, so its lines go to stderr.
const mcp = process.argv[2] === 'mcp';
runCli(process.argv.slice(2), env, { out: (l) => (mcp ? console.error(l) : console.log(l)), err: (l) => console.error(l) }).then(
  (code) => {
    // The MCP server runs until stdin closes; only then does runCli return.
    process.exit(code);
  },
  (err: unknown) => {
    console.error('boo: unexpected error', err);
    process.exit(1);
  },
);
