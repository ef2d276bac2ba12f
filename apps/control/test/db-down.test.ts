import { describe, expect, it } from 'vitest';
import { HealthSchema } from '@boocontrol/contracts';
import { createControl } from '../src/control';
import { createPgDb } from '../src/db/pg';
import { silentLogger, testConfig } from './helpers/control';

describe('database down at boot', () => {
  it('keeps serving, reports db.ok=false with the error, and keeps retrying', async () => {
    // Nothing listens on port 1: every connection attempt is refused.
    const db = createPgDb({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    const warnings: string[] = [];
    const log = silentLogger();
    const spy = Object.assign(Object.create(log), { warn: (obj: object, msg: string) => void warnings.push(`${msg} ${JSON.stringify(obj)}`), child: () => spy });
    const control = await createControl(testConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }), { db, logger: spy });
    await control.app.ready();
    const starting = control.start();
    await expect.poll(() => warnings.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatch(/database unavailable at boot; retrying/);
    const res = await control.app.inject({ method: 'GET', url: '/api/control/health' });
    expect(res.statusCode).toBe(200);
    const h = HealthSchema.parse(res.json());
    expect(h.status).toBe('degraded');
    expect(h.db).toMatchObject({ backend: 'postgres', ok: false, error: expect.stringMatching(/ECONNREFUSED|connect/) });
    await control.close();
    await starting; // the retry loop ends when control closes
  });
});
