import net from 'node:net';

/**
 * Where this process's Temporal Runtime serves its Prometheus text (the Rust core's exporter on a loopback
 * port), once `installTemporalRuntime` has installed it. Kept apart from the Runtime so the API alone does
 * not load the worker's native bridge.
 */
let sdkMetricsUrl: string | undefined;

export function setSdkMetricsAddress(bindAddress: string): void {
  sdkMetricsUrl = `http://${bindAddress}/metrics`;
}

/** The Temporal SDK's worker metrics in Prometheus text, or nothing when no Runtime of ours runs here. */
export async function sdkMetricsText(): Promise<string> {
  if (!sdkMetricsUrl) return '';
  try {
    const response = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : '';
  } catch {
    return ''; // the Runtime shuts down once its last worker and connection close
  }
}

/** A loopback port nothing listens on right now, for the exporter (the Runtime cannot report a port it chose). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
