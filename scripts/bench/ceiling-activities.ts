/** The ceiling workflow's only activity: no I/O, so the bench measures Temporal and the worker alone. */
export function createCeilingActivities() {
  return {
    async noop(): Promise<void> {},
  };
}

export type CeilingActivities = ReturnType<typeof createCeilingActivities>;
