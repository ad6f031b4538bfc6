import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (CI installs it); `CHROMIUM_PATH` points elsewhere. playwright-core downloads nothing. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (candidate): candidate is string => Boolean(candidate),
  );
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found)
    throw new Error(
      `Chromium is needed (browser tests, npm run screenshots): install Debian's chromium or set CHROMIUM_PATH (looked at ${candidates.join(', ')})`,
    );
  return found;
}

/** Headless Chromium as the tests and `npm run screenshots` need it: no sandbox (CI runs as root), no GPU, no /dev/shm, no background traffic. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
    ],
  });
}
