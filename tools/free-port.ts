import net from 'node:net';

/** A loopback TCP port nothing listens on right now (for servers that cannot report a port they chose). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A frontend port for the production Temporal server (temporal/server.ts) whose derived ports are free too: +1, +2,
 * +6, +10 and the membership ports 300 below, all under 32768 as PostgreSQL stores them as smallint.
 */
export async function freeTemporalServerPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const derived = [0, 1, 2, 6, 10].flatMap((offset) => [port + offset, port - 300 + offset]);
    if ((await Promise.all(derived.map(isFree))).every(Boolean)) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
