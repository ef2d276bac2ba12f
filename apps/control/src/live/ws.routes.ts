import type { FastifyInstance } from 'fastify';
import type { Hub } from './hub';

/** One sequenced stream for every live view: `/api/control/ws`. */
export function registerWsRoute(app: FastifyInstance, hub: Hub): void {
  app.get('/api/control/ws', { websocket: true }, (socket) => {
    const conn = hub.connect(socket);
    socket.on('message', (raw: Buffer) => conn.onMessage(raw));
    socket.on('close', () => conn.onClose());
    socket.on('error', () => conn.onClose());
  });
}
