// `pnpm lint`: the project's own checks, cheap enough to run before every commit.
// - no file over 400 lines in src (the ~300-line signal, with headroom)
// - no focused or skipped tests
// - no process.env outside the config modules
// - no console.log in apps' src (pino logs instead), except CLIs and scripts
// - shellcheck on deploy/*.sh when shellcheck is installed
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|tsx)$/.test(f) && !f.includes('node_modules'));
const problems: string[] = [];
for (const f of files) {
  let text: string;
  try {
    text = readFileSync(f, 'utf8');
  } catch {
    continue; // deleted in the work tree
  }
  const lines = text.split('\n').length;
  const isSrc = /^(apps|packages)\/[^/]+\/src\//.test(f);
  if (isSrc && lines > 400) problems.push(`${f}: ${lines} lines (split it)`);
  if (/\b(it|test|describe)\.(only|skip)\(/.test(text)) problems.push(`${f}: focused or skipped test`);
  if (isSrc && /process\.env\b/.test(text) && !/(config\.ts|cli\/|cli\.ts|main\.ts)$/.test(f) && !f.includes('/cli/')) problems.push(`${f}: reads process.env outside config`);
  if (isSrc && f.startsWith('apps/') && /console\.log\(/.test(text) && !/(cli|main)/.test(f)) problems.push(`${f}: console.log in service code`);
}
const sh = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'deploy'], { encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.sh'));
if (sh.length && spawnSync('shellcheck', ['--version']).status === 0) {
  const r = spawnSync('shellcheck', sh, { encoding: 'utf8' });
  if (r.status !== 0) problems.push(`shellcheck:\n${r.stdout}${r.stderr}`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`lint: ${files.length} files clean`);
