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
