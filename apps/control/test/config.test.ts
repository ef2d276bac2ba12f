import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, demoFleetEnabled, loadConfig, parseEnvFile } from '../src/config';

const noFile = join(tmpdir(), 'boo-no-such.env');

describe('control configuration', () => {
  it('has safe defaults: loopback, 9503, PGlite, demo fleet on when nothing is configured', () => {
    const c = loadConfig({}, noFile);
    expect(c).toMatchObject({ CONTROL_HOST: '127.0.0.1', CONTROL_PORT: 9503, PGLITE_DIR: './data/pglite', DEMO_FLEET: 'auto', RETENTION_PERF_RAW_HOURS: 48 });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(demoFleetEnabled(c)).toBe(true);
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ CONTROL_PORT: 'abc', LLAMA_PROVIDERS: '[{"id":"Bad Id"}]', DATABASE_URL: 'mysql://x', DEMO_FLEET: 'maybe' }, noFile);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variables.sort()).toEqual(['CONTROL_PORT', 'DATABASE_URL', 'DEMO_FLEET', 'LLAMA_PROVIDERS']);
    }
    expect(() => loadConfig({ LLAMA_PROVIDERS: '{not json' }, noFile)).toThrow(/LLAMA_PROVIDERS.*not valid JSON/);
  });

  it('CONFIG_BACKUPS_KEEP defaults to 20 and accepts only 1..1000', () => {
    expect(loadConfig({}, noFile).CONFIG_BACKUPS_KEEP).toBe(20);
    expect(loadConfig({ CONFIG_BACKUPS_KEEP: '2' }, noFile).CONFIG_BACKUPS_KEEP).toBe(2);
    for (const bad of ['0', '1001', '2.5', 'x', '-1']) {
      expect(() => loadConfig({ CONFIG_BACKUPS_KEEP: bad }, noFile), bad).toThrow(/CONFIG_BACKUPS_KEEP/);
    }
  });

  it('reads .env.host, with the environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'boo-env-'));
    const file = join(dir, '.env.host');
    writeFileSync(file, `# comment\nCONTROL_PORT=9600\nexport LOG_LEVEL="debug"\nLLAMA_PROVIDERS='[{"id":"desk","label":"Desk","baseUrl":"http://10.0.0.5:8401","kind":"llama-swap"}]'\n`);
    const c = loadConfig({ CONTROL_PORT: '9700' }, file);
    expect(c.CONTROL_PORT).toBe(9700);
    expect(c.LOG_LEVEL).toBe('debug');
    expect(c.LLAMA_PROVIDERS.map((p) => p.id)).toEqual(['desk']);
    expect(demoFleetEnabled(c)).toBe(false);
  });

  it('parses env files without evaluating anything', () => {
    expect(parseEnvFile('A=$(rm -rf /)\nB = "x y"\n=bad\nC')).toEqual({ A: '$(rm -rf /)', B: 'x y' });
  });
});
