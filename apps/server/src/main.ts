import { fileURLToPath } from 'node:url';
import { buildServerApp } from './app';
import { loadServerConfig } from './config';

async function main() {
  const cfg = loadServerConfig();
  const webDist = cfg.WEB_DIST ?? fileURLToPath(new URL('../../web/dist', import.meta.url));
  const app = await buildServerApp({ controlUrl: cfg.CONTROL_URL, gatewayUrl: cfg.GATEWAY_URL, webDist, logger: { level: cfg.LOG_LEVEL } });
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  await app.listen({ host: cfg.SERVER_HOST, port: cfg.SERVER_PORT });
}

main().catch((err: unknown) => {
  console.error('boocontrol-server: fatal', err);
  process.exit(1);
});
