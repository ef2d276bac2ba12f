import { ConfigError, loadConfig } from './config';
import { createControl } from './control';

/** load config → build → listen → start features; SIGTERM/SIGINT → graceful close. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`boocontrol: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const control = await createControl(config);
  const log = control.ctx.log;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await control.close().catch((err: unknown) => log.error({ err }, 'close failed'));
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await control.app.listen({ host: config.CONTROL_HOST, port: config.CONTROL_PORT });
  await control.start();
}

main().catch((err: unknown) => {
  console.error('boocontrol: fatal', err);
  process.exit(1);
});
