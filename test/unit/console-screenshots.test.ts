import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SCREENS, type ScreenContext } from '../../scripts/screenshots/screens';

/**
 * The README's console screenshots keep up with the console, without a browser: every screen main.js routes to
 * (each warehouse tab and report too) is in `npm run screenshots`' list, its picture is committed, and the README
 * shows it. A new screen fails here until it has a picture.
 */
const root = path.join(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const context: ScreenContext = { approvalOrder: 'ORD-A', afterSalesOrder: 'ORD-B', webhookId: 'whk_1' };
const addresses = SCREENS.filter((screen) => !screen.signedOut).map((screen) => screen.hash(context));

/** Whether some screen's address is `#<route>`, with `/<argument>` when `argument` says so. */
const shown = (route: string, argument: boolean) =>
  addresses.some((address) =>
    argument ? address.startsWith(`#${route}/`) : address === `#${route}` || address.startsWith(`#${route}?`),
  );

/** The `id: '…'` of each entry of `export const <name> = [ … ];` in a console module. */
function listIds(file: string, name: string): string[] {
  const source = read(file);
  const start = source.indexOf(`export const ${name} = [`);
  expect(start).toBeGreaterThanOrEqual(0);
  const list = source.slice(start, source.indexOf('\n];', start));
  // An entry on one line (`  { id: 'x', … }`) or over several (`    id: 'x',`).
  return [...list.matchAll(/^(?: {2}\{ | {4})id: '([^']+)'/gm)].map((match) => match[1]);
}

/** main.js's routes: each `kind === '…'` of `route()`, and whether its screen takes an argument. */
function routes(): { kind: string; bare: boolean; withArgument: boolean }[] {
  const source = read('api/public/console/main.js');
  const start = source.indexOf('async function route()');
  const body = source.slice(start, source.indexOf('\n}\n', start));
  // Its statements: each begins on a line indented once.
  const statements = body.split(/\n(?= {2}\S)/);
  return statements.flatMap((statement) =>
    [...statement.matchAll(/kind(?:\.split\('\?'\)\[0\])? === '([a-z-]+)'( && argument)?/g)].map(
      ([, kind, onlyWithArgument]) => ({
        kind,
        // `kind === 'order' && argument`: only with one; `argument ? a : b`: two screens, with and without one.
        bare: !onlyWithArgument,
        withArgument: Boolean(onlyWithArgument) || /argument \?/.test(statement),
      }),
    ),
  );
}

describe('the console screenshots (npm run screenshots)', () => {
  it('has a picture of every screen main.js routes to', () => {
    const found = routes();
    expect(found.map((route) => route.kind).sort()).toEqual(
      expect.arrayContaining(['audit', 'order', 'orders', 'queue', 'reports', 'warehouse', 'webhooks']),
    );
    const missing = found.flatMap((route) => [
      ...(route.bare && !shown(route.kind, false) && !shown(route.kind, true) ? [`#${route.kind}`] : []),
      ...(route.withArgument && !shown(route.kind, true) ? [`#${route.kind}/<argument>`] : []),
    ]);
    expect(missing).toEqual([]);
    // And no picture of an address main.js does not route (it would show the first queue).
    const kinds = new Set(found.map((route) => route.kind));
    expect(addresses.filter((address) => !kinds.has(address.slice(1).split(/[/?]/)[0]))).toEqual([]);
    expect(SCREENS.filter((screen) => screen.signedOut).map((screen) => screen.name)).toEqual(['sign-in']);
  });

  it('has a picture of every warehouse tab and every report', () => {
    const tabs = listIds('api/public/console/screens/warehouse.js', 'WAREHOUSE_TABS');
    const reports = listIds('api/public/console/screens/reports.js', 'REPORTS');
    expect(tabs.length).toBeGreaterThanOrEqual(3);
    expect(reports.length).toBeGreaterThanOrEqual(5);
    expect([
      ...tabs.filter((tab) => !shown(`warehouse/${tab}`, false)).map((tab) => `#warehouse/${tab}`),
      ...reports.filter((report) => !shown(`reports/${report}`, false)).map((report) => `#reports/${report}`),
    ]).toEqual([]);
  });

  it('keeps every picture in docs/screenshots and shows each in the README, with no stale one left', () => {
    const names = SCREENS.map((screen) => `${screen.name}.png`);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => !existsSync(path.join(root, 'docs', 'screenshots', name)))).toEqual([]);
    expect(readdirSync(path.join(root, 'docs', 'screenshots')).sort()).toEqual([...names].sort());
    // Each with its title and what it is for, as the list says.
    const readme = read('README.md');
    expect(
      SCREENS.filter(
        (screen) =>
          !readme.includes(
            `**${screen.title}.** ${screen.caption}\n\n![${screen.title}](docs/screenshots/${screen.name}.png)`,
          ),
      ).map((screen) => screen.name),
    ).toEqual([]);
  });
});
