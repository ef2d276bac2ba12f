#!/usr/bin/env -S npx tsx
// `pnpm boo …` — see boo-cli.ts for commands and exit codes.
import { runCli } from './boo-cli';

runCli(process.argv.slice(2), { BOO_URL: process.env.BOO_URL }, { out: (l) => console.log(l), err: (l) => console.error(l) }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('boo: unexpected error', err);
    process.exit(1);
  },
);
