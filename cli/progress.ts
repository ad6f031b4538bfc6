/**
 * A one-line progress bar on stderr, redrawn in place; nothing at all when stderr is not a terminal (logs and
 * pipes get the summary only).
 */
export function progressBar(total: number, enabled: boolean, stream: NodeJS.WritableStream = process.stderr) {
  const width = 30;
  return {
    update(done: number, detail: string) {
      if (!enabled) return;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${detail}`);
    },
    finish() {
      if (enabled) stream.write('\r\x1b[2K');
    },
  };
}
