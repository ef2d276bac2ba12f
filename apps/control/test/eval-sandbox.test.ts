// The code sandbox against hostile programs, with the real bubblewrap: every one contained and
// reported, and the verdicts identical over three reruns (E6: 0 verdict flips).
import { createServer, type AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapArgs, findTools, runInSandbox, type SandboxResult, type SandboxTools } from '../src/evals/sandbox/bwrap';
import { HOSTILE } from '../src/evals/sandbox/selftest';
import { Sandbox } from '../src/evals/sandbox/sandbox';

const { tools } = findTools();
const LIM = { timeoutMs: 3000, memoryMb: 256, maxProcs: 16, maxOutputBytes: 8192, diskMb: 8 };
// a fresh uid per run, as the Sandbox pool does
let uids = 90_000;
const py = (program: string, limits = {}) => runInSandbox(tools as SandboxTools, { language: 'python', program, limits: { ...LIM, ...limits }, uid: uids++ });

describe.skipIf(!tools)('sandbox (bubblewrap)', () => {
  let port = 0;
  let connections = 0;
  const listener = createServer((s) => {
    connections++;
    s.destroy();
  });
  beforeAll(async () => {
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as AddressInfo).port;
  });
  afterAll(() => listener.close());

  it('pins the isolation flags: all namespaces unshared, read-only /usr, tmpfs work dir, die with parent', () => {
    const a = bwrapArgs(tools!, '/usr/bin/python3', ['/work/main.py'], ['main.py'], 8);
    expect(a).toContain('--unshare-all');
    expect(a).not.toContain('--share-net');
    expect(a).toContain('--die-with-parent');
    expect(a).toContain('--clearenv');
    expect(a.join(' ')).toContain('--ro-bind /usr /usr');
    expect(a.join(' ')).toContain('--tmpfs /work');
    expect(a.join(' ')).not.toMatch(/--bind (?!-)/);
  });

  it('runs a canonical solution in Python and JavaScript; stdin and extra files arrive', async () => {
    const withFile = await runInSandbox(tools!, { language: 'python', program: 'print(open("data.txt").read() + input())', files: { 'data.txt': 'hello ' }, stdin: 'world\n', limits: LIM, uid: uids++ });
    expect(withFile).toMatchObject({ status: 'ok', stdout: 'hello world\n' });
    const js = await runInSandbox(tools!, { language: 'javascript', program: HOSTILE.canonicalJs, limits: { ...LIM, memoryMb: 512 }, uid: uids++ });
    expect(js.status, js.stderr).toBe('ok');
    expect(js.stdout).toBe('PASS\n');
    const fail = await py('assert 1 == 2, "wrong"');
    expect(fail.status).toBe('failed');
    expect(fail.stderr).toContain('AssertionError: wrong');
  });

  it('no network: a connection to this machine\'s loopback never arrives', async () => {
    const r = await py(HOSTILE.egress(port));
    expect(r.stdout).toContain('blocked');
    expect(connections).toBe(0);
    const js = await runInSandbox(tools!, { language: 'javascript', program: `require('node:net').connect(${port}, '127.0.0.1').on('connect', () => console.log('CONNECTED')).on('error', (e) => console.log('blocked', e.code));`, limits: { ...LIM, memoryMb: 512 }, uid: uids++ });
    expect(js.stdout).toContain('blocked');
    expect(connections).toBe(0);
  });

  it('writes outside the work dir fail and nothing appears on the host; host files are invisible', async () => {
    const canary = `boo-test-canary-${process.pid}`;
    const r = await py(HOSTILE.writeOutside(canary));
    expect(r.stdout).not.toContain('WROTE');
    expect(r.stdout.match(/denied/g)?.length).toBe(4);
    for (const p of [`/usr/${canary}`, `/etc/${canary}`, `/root/${canary}`, `/${canary}`, `/tmp/${canary}`]) expect(existsSync(p)).toBe(false);
    const seen = await py(HOSTILE.readOutside);
    expect(seen.stdout).not.toContain('VISIBLE');
    expect(seen.stdout.match(/absent/g)?.length).toBe(5);
  });

  const hostile: Array<[string, string, (r: SandboxResult) => void]> = [
    ['fork bomb', HOSTILE.forkBomb, (r) => expect(r.wallMs).toBeLessThan(LIM.timeoutMs + 2000)],
    ['memory hog', HOSTILE.memoryHog, (r) => expect(r.status).toBe('memory')],
    ['infinite loop', HOSTILE.infiniteLoop, (r) => expect(r.status).toBe('timeout')],
    ['huge output', HOSTILE.hugeOutput, (r) => {
      expect(r.status).toBe('output-limit');
      expect(r.stdout.length).toBeLessThanOrEqual(LIM.maxOutputBytes);
    }],
    ['killing the parent', HOSTILE.killParent, (r) => expect(r.stdout).toContain('still here')],
  ];
  it.each(hostile)('%s is contained, with the same verdict over 3 reruns', async (_name, program, expectOk) => {
    const verdicts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await py(program);
      expectOk(r);
      verdicts.push(r.status);
    }
    expect(new Set(verdicts).size).toBe(1);
  });

  it('the self-test passes here, and a sandbox without bubblewrap refuses with SANDBOX_UNAVAILABLE', async () => {
    const sb = new Sandbox(2);
    const report = await sb.selftest();
    expect(report.failures).toEqual([]);
    expect(report.checks.length).toBe(10);
    expect(sb.state().available).toBe(true);
    const none = new Sandbox(1, { bwrap: '/nonexistent/bwrap' });
    expect(none.state()).toMatchObject({ available: false });
    await expect(none.run({ language: 'python', program: 'print(1)' })).rejects.toMatchObject({ code: 'SANDBOX_UNAVAILABLE' });
  }, 60_000);
});
