// `pnpm bench [name…]` runs the named benchmarks (all when none is named). Each benchmark is a
// script that prints its own figures; they run one after another so they do not compete for the
// machine's two cores.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benches: Record<string, string> = {
  sim: 'packages/sim/bench/sim.bench.ts',
  ingest: 'apps/control/bench/ingest.bench.ts',
  hub: 'apps/control/bench/hub.bench.ts',
  reports: 'apps/control/bench/reports.bench.ts',
  'sim-memory': 'packages/sim/bench/memory.bench.ts',
  harness: 'apps/control/bench/harness.bench.ts',
  gateway: 'apps/control/bench/gateway.bench.ts',
};

// Leading bare words name benchmarks; everything from the first flag on is passed to each one
// (`pnpm bench ingest --minutes 10`).
const argv = process.argv.slice(2);
const firstFlag = argv.findIndex((a) => a.startsWith('-'));
const args = firstFlag === -1 ? argv : argv.slice(0, firstFlag);
const passThrough = firstFlag === -1 ? [] : argv.slice(firstFlag);
const names = args.length > 0 ? args : Object.keys(benches);
let failed = false;
for (const name of names) {
  const file = benches[name];
  if (!file) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  if (!existsSync(join(root, file))) {
    console.log(`[bench ${name}] not present yet (${file})`);
    continue;
  }
  console.log(`\n=== bench ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, file), ...passThrough], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
