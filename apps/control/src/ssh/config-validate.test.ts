import { describe, expect, it } from 'vitest';
import { parseGoDuration, validateLlamaSwapConfig } from './config-validate';

const v = (text: string) => validateLlamaSwapConfig(text);

describe('llama-swap config validation', () => {
  it('accepts a realistic config', () => {
    const r = v(`healthCheckTimeout: 120
logLevel: info
startPort: 10001
apiKeys: ["\${env.LS_KEY}"]
macros:
  llama: /opt/llama.cpp/llama-server --port \${PORT}
models:
  qwen:
    cmd: \${llama} -m /models/qwen.gguf
    cmdStop: kill \${PID}
    proxy: http://127.0.0.1:\${PORT}
    aliases: [gpt-4o-mini]
    env: ["CUDA_VISIBLE_DEVICES=0"]
    checkEndpoint: /health
    ttl: 300
    unlisted: false
    concurrencyLimit: 4
    name: Qwen
    description: the default
    metadata: { family: qwen, size: 30 }
    filters: { stripParams: "temperature, top_p" }
  embed:
    cmd: \${llama} -m /models/e5.gguf --embedding
    ttl: \${env.EMBED_TTL}
groups:
  main: { swap: true, exclusive: true, members: [qwen] }
hooks:
  on_startup:
    preload: [gpt-4o-mini]
performance: { every: 10s }
`);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.modelIds).toEqual(['qwen', 'embed']);
  });

  it('reports YAML syntax errors with their line', () => {
    const r = v('models:\n  a:\n    cmd: "unterminated\n');
    expect(r.ok).toBe(false);
    expect(r.errors[0]?.line).toBeGreaterThanOrEqual(3);
    const dup = v('models:\n  a:\n    cmd: x\n  a:\n    cmd: y\n');
    expect(dup.ok).toBe(false);
    expect(dup.errors[0]).toMatchObject({ line: 4 });
  });

  it('reports a missing key at its parent key', () => {
    const r = v('models:\n  a:\n    cmd: x\n  big:\n    ttl: 5\n');
    expect(r.errors).toEqual([expect.objectContaining({ path: 'models.big.cmd', message: 'required', line: 4, column: 3 })]);
  });

  it('reports schema errors at the offending node and unknown keys as warnings', () => {
    const r = v('logLevel: loud\nmodels:\n  a:\n    cmd: x\n    ttl: soon\n    unlistd: true\ncolour: blue\n');
    expect(r.errors).toEqual([
      expect.objectContaining({ path: 'logLevel', line: 1, column: 11 }),
      expect.objectContaining({ path: 'models.a.ttl', line: 5, column: 10 }),
    ]);
    expect(r.warnings).toEqual([
      expect.objectContaining({ path: 'models.a.unlistd', line: 6, severity: 'warning' }),
      expect.objectContaining({ path: 'colour', line: 7 }),
    ]);
    expect(r.ok).toBe(false);
    const onlyWarnings = v('models:\n  a:\n    cmd: x\n    tll: 5\n');
    expect(onlyWarnings.ok).toBe(true);
    expect(onlyWarnings.warnings).toHaveLength(1);
  });

  it('enforces the cross-field rules llama-swap applies at load', () => {
    const r = v(`macros:
  PORT: 1
models:
  a:
    cmd: run \${nope}
    aliases: [b, shared]
  b:
    cmd: run
    aliases: [shared]
groups:
  g1: { members: [a, ghost] }
  g2: { members: [a] }
routing:
  router: { use: group }
performance: { every: 1s }
`);
    const messages = r.errors.map((e) => e.message).join('\n');
    expect(messages).toMatch(/macro "PORT" is built in/);
    expect(messages).toMatch(/unknown macro "\$\{nope\}" in cmd/);
    expect(messages).toMatch(/alias "b" is also a model id/);
    expect(messages).toMatch(/alias "shared" is already used by model "a"/);
    expect(messages).toMatch(/group member "ghost" is not a defined model/);
    expect(messages).toMatch(/model "a" is in groups "g1" and "g2"/);
    expect(messages).toMatch(/cannot be combined with "routing.router"/);
    expect(messages).toMatch(/at least 5s/);
    expect(r.errors.find((e) => e.message.includes('ghost'))).toMatchObject({ path: 'groups.g1.members.1', line: 11 });
  });

  it('warns about values llama-swap silently adjusts', () => {
    const r = v('healthCheckTimeout: 5\nmodels:\n  a:\n    cmd: x\nhooks:\n  on_startup:\n    preload: [zzz]\n');
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.path)).toEqual(['healthCheckTimeout', 'hooks.on_startup.preload.0']);
    expect(v('').warnings[0]?.message).toMatch(/no models/);
  });

  it('parses Go durations', () => {
    expect(parseGoDuration('5s')).toBe(5000);
    expect(parseGoDuration('1m30s')).toBe(90_000);
    expect(parseGoDuration('250ms')).toBe(250);
    expect(parseGoDuration('soon')).toBeUndefined();
    expect(parseGoDuration('5')).toBeUndefined();
  });
});
