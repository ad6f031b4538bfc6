import { getPriority, setPriority } from 'node:os';

/**
 * Lowers this process's CPU priority by `niceness` (`OMS_BACKGROUND_NICENESS`), so that on a machine it shares with
 * the API, requests are answered first and orders are processed with the CPU left over. Call it before the worker
 * starts: on Linux it applies to the calling thread and to the threads started after it (the workflow thread, the
 * Temporal core's).
 */
export function lowerCpuPriority(niceness: number): void {
  if (niceness === 0) return;
  try {
    setPriority(Math.min(19, getPriority() + niceness));
  } catch (error) {
    console.warn(`[oms] could not lower the worker's CPU priority (OMS_BACKGROUND_NICENESS): ${String(error)}`);
  }
}
