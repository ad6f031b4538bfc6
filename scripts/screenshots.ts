import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import type { Db } from '../db/connection';
import { startLocalSmtpServer } from '../notifications/local-smtp-server';
import { launchBrowser } from '../tools/chromium';
import { PROJECT_ROOT } from '../tools/project-root';
import { SCREENS, type ConsoleScreen, type ScreenContext } from './screenshots/screens';
import { seedConsoleData, startHookReceiver } from './screenshots/seed';
import { OmsApiClient } from './system/api-client';
import { Cleanups, startIsolatedSystem } from './system/isolated-system';

const HELP = `npm run screenshots [-- options]

Starts an isolated OMS (its own PostgreSQL, Temporal dev server, API and worker processes, as npm run chaos does),
seeds it with orders in the states the console is about (scripts/screenshots/seed.ts), and takes a picture of every
console screen (scripts/screenshots/screens.ts) in Chromium at 1280 x 800: docs/screenshots/<screen>.png, the
README's "Console screens". Takes a minute or two.

Options:
  --only NAMES   comma-separated screen names: only those pictures (the others are left as they are)
  --out DIR      where the pictures go (default docs/screenshots; without --only, other PNGs there are removed)
  --help         this text`;

/** The window of every picture: the console's width (issue 19), and short enough to keep the files small. */
const VIEWPORT = { width: 1280, height: 800 };

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      out: { type: 'string', default: path.join(PROJECT_ROOT, 'docs', 'screenshots') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const names = values.only?.split(',').map((name) => name.trim());
  const unknown = names?.filter((name) => !SCREENS.some((screen) => screen.name === name)) ?? [];
  if (unknown.length)
    throw new Error(`--only: no screen ${unknown.join(', ')} (screens: ${SCREENS.map((s) => s.name).join(', ')})`);
  const screens = names ? SCREENS.filter((screen) => names.includes(screen.name)) : SCREENS;
  const out = path.resolve(values.out);
  mkdirSync(out, { recursive: true });

  const started = Date.now();
  const log = (message: string) =>
    console.log(`[screenshots ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);
  const cleanups = new Cleanups();
  try {
    const mailDir = mkdtempSync(path.join(os.tmpdir(), 'oms-screenshots-mail-'));
    const smtp = await startLocalSmtpServer({ dir: mailDir });
    cleanups.last(async () => {
      await smtp.close();
      rmSync(mailDir, { recursive: true, force: true });
    });
    const receiver = await startHookReceiver();
    cleanups.last(receiver.close);
    const system = await startIsolatedSystem({
      name: 'screenshots',
      // Manual fulfilment keeps pick lists open; slow deliveries keep shipped orders shipped; nothing times out.
      settings: {
        OMS_FULFILLMENT_MODE: 'manual',
        OMS_CARRIER_DELIVERY_DELAY: '1d',
        OMS_RETURN_WINDOW: '30d',
        OMS_APPROVAL_TIMEOUT: '7d',
        OMS_BACKORDER_TIMEOUT: '7d',
        OMS_SMTP_URL: smtp.url,
      },
      log,
      cleanups,
    });
    let done = false;
    cleanups.last(async () => {
      if (done) rmSync(system.dataDir, { recursive: true, force: true });
      else console.log(`data and logs kept in ${system.dataDir}`);
    });

    const context = await seedConsoleData(new OmsApiClient(system.apiUrl, system.keys), {
      webhookUrl: receiver.url,
      log,
    });
    await outboxSettled(system.db);
    log('seeded; taking the pictures');

    const browser = await launchBrowser();
    cleanups.first(() => browser.close());
    const page = await browser.newPage({ viewport: VIEWPORT });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.goto(`${system.apiUrl}/console`);
    for (const screen of screens.filter((candidate) => candidate.signedOut)) {
      await picture(page, screen, context, out);
      log(`${screen.name}.png`);
    }
    await page.fill('input[name=apiKey]', system.keys.admin);
    await page.press('input[name=apiKey]', 'Enter');
    await page.locator('nav.queues').first().waitFor();
    for (const screen of screens.filter((candidate) => !candidate.signedOut)) {
      await picture(page, screen, context, out);
      log(`${screen.name}.png`);
    }
    if (errors.length) throw new Error(`the console reported errors:\n${errors.join('\n')}`);

    if (!names) {
      const wanted = new Set(SCREENS.map((screen) => `${screen.name}.png`));
      for (const file of readdirSync(out).filter((name) => name.endsWith('.png') && !wanted.has(name))) {
        rmSync(path.join(out, file));
        log(`removed ${file}: no such screen any more`);
      }
    }
    const bytes = screens.reduce((total, screen) => total + statSync(path.join(out, `${screen.name}.png`)).size, 0);
    log(`${screens.length} pictures in ${path.relative(process.cwd(), out) || '.'} (${Math.round(bytes / 1024)} KiB)`);
    done = true;
    return 0;
  } finally {
    await cleanups.run();
  }
}

/** One screen as the window shows it, once its data and the sidebar's counts are drawn. */
async function picture(page: Page, screen: ConsoleScreen, context: ScreenContext, out: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(screen.hash(context))}; window.scrollTo(0, 0)`);
  await page.locator(screen.ready).first().waitFor({ timeout: 20_000 });
  if (!screen.signedOut)
    await page.locator('.sidebar .count', { hasText: /^…$/ }).first().waitFor({ state: 'detached' });
  await screen.prepare?.(page);
  await sleep(screen.settleMs ?? 300);
  await page.screenshot({ path: path.join(out, `${screen.name}.png`) });
}

/** Waits (up to 30 s) until every webhook delivery and customer email went out, so the pictures show them sent. */
async function outboxSettled(db: Db): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(250)) {
    const [deliveries] = await db('webhook_deliveries').whereNot('status', 'delivered').count({ n: '*' });
    const [emails] = await db('notifications').whereNot('status', 'sent').count({ n: '*' });
    if (Number(deliveries.n) + Number(emails.n) === 0) return;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error('screenshots:', error);
    process.exit(2);
  },
);
