import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sharedPostgresRoot } from '../../db/embedded-postgres';

/**
 * The shared root where a root-run OMS keeps PostgreSQL's binaries and clusters must be enterable by PostgreSQL's
 * user. On a fresh machine a 0700 cluster directory made with a recursive mkdir created it 0700, and every start
 * after failed with "Permission denied" (npm start, npm run cluster).
 */
describe('the shared PostgreSQL root', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'oms-pg-root-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const mode = (dir: string) => statSync(dir).mode & 0o777;

  it('is made enterable by others when missing', () => {
    const root = path.join(base, 'oms');
    expect(sharedPostgresRoot(root)).toBe(root);
    expect(mode(root)).toBe(0o755);
  });

  it('is opened up again when an earlier start left it 0700', () => {
    const root = path.join(base, 'oms');
    mkdirSync(path.join(root, 'data-abc'), { recursive: true, mode: 0o700 });
    expect(mode(root)).toBe(0o700);
    sharedPostgresRoot(root);
    expect(mode(root)).toBe(0o755);
    expect(mode(path.join(root, 'data-abc'))).toBe(0o700);
  });

  it('keeps a root that others can already enter as it is', () => {
    const root = path.join(base, 'oms');
    mkdirSync(root);
    chmodSync(root, 0o775);
    sharedPostgresRoot(root);
    expect(mode(root)).toBe(0o775);
  });
});
