import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In dev, Vite serves the app and relays /api/control (HTTP and WS) to the gateway or control.
const target = process.env.BOO_API_URL ?? 'http://127.0.0.1:9503';

export default defineConfig({
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: Number(process.env.WEB_DEV_PORT ?? 5173),
    proxy: { '/api/control': { target, ws: true, changeOrigin: false } },
  },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1500 },
});
