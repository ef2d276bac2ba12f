import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { ConfigSchema, type Config } from '../../src/config';
import { createControl, type Control, type CreateControlOptions } from '../../src/control';
import type { Backend, TestDb } from './db';

export function testConfig(overrides: Record<string, string> = {}): Config {
  return ConfigSchema.parse({ DEMO_FLEET: 'off', LOG_LEVEL: 'silent', CONTROL_PORT: '0', GATEWAY_PORT: '0', EVAL_SANDBOX_SELFTEST: 'lazy', ...overrides });
}

export const silentLogger = (): FastifyBaseLogger => pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

/** A whole control service on a fresh test database, started (schema applied, features on). */
export async function startTestControl(
  backend: Backend,
  env: Record<string, string> = {},
  opts: Omit<CreateControlOptions, 'db'> = {},
): Promise<{ control: Control; testDb: TestDb; close(): Promise<void> }> {
  const testDb = await backend.create({ schema: false });
  const control = await createControl(testConfig(env), { db: testDb.db, logger: opts.logger ?? silentLogger(), ...opts });
  await control.app.ready();
  await control.start();
  let closed = false;
  return {
    control,
    testDb,
    async close() {
      if (closed) return;
      closed = true;
      await control.close();
      await testDb.cleanup().catch(() => undefined);
    },
  };
}
