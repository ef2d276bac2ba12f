// `pnpm lint`: the project's own checks, cheap enough to run before every commit.
// - no file over 400 lines in src (the ~300-line signal, with headroom)
// - no focused or skipped tests
// - no process.env outside the config modules
// - no console.log in apps' src (pino logs instead), except CLIs and scripts
// - shellcheck on deploy/*.sh when shellcheck is installed
// - every locked package runs on the oldest Node the root package.json declares
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { enginesExcluding } from './engines';

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
const minNode = /(\d+\.\d+(?:\.\d+)?)/.exec((JSON.parse(readFileSync('package.json', 'utf8')) as { engines?: { node?: string } }).engines?.node ?? '')?.[1];
if (minNode) for (const p of enginesExcluding(readFileSync('pnpm-lock.yaml', 'utf8'), minNode)) problems.push(`pnpm-lock.yaml: ${p}, but package.json declares node ${minNode}+ (override or pin it)`);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`lint: ${files.length} files clean`);
