import { createServer } from 'node:net';
import { GeuseError } from '../errors';

/** A local port nobody listens on right now, picked by the OS (loopback only). Prefers `preferred` when it is free. */
export async function freeLocalPort(preferred?: number): Promise<number> {
  if (preferred !== undefined) {
    const port = await tryListen(preferred).catch(() => undefined);
    if (port !== undefined) return port;
  }
  try {
    return await tryListen(0);
  } catch (error) {
    throw new GeuseError({
      code: 'NO_FREE_PORT', kind: 'unknown', cause: error,
      message: 'No free local port could be found for the tunnel.',
      nextStep: 'Close other tunnels or programs listening on local ports, then try again.',
    });
  }
}

function tryListen(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}
