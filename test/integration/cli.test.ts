import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Role } from '../../config';
import { freePort } from '../support/helpers';
import { startOms, type TestOms } from '../support/oms';

/**
 * `npx oms ...` as a person runs it (bin/oms.js in a child process) against this file's API and database;
 * every result is checked through the API.
 */
describe('oms CLI', () => {
  let oms: TestOms;
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'oms-cli-'));
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  /** Runs the CLI; API commands get the role's key, database commands this test's DATABASE_URL. */
  function cli(
    args: string[],
    options: { as?: Role; env?: Record<string, string> } = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OMS_API_URL: oms.baseUrl,
      OMS_API_KEY: oms.keyOf(options.as ?? 'sales'),
      DATABASE_URL: oms.databaseUrl,
      OMS_DATA_DIR: workDir,
      ...options.env,
    };
    const child = spawn(process.execPath, [path.join(__dirname, '../../bin/oms.js'), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('places an order and prints its id, paying by card or, for a net30 customer, by invoice', async () => {
    const placed = await cli([
      'orders',
      'place',
      '--customer',
      'CUST-ACME',
      '--line',
      'MUG-BLK:2',
      '--line',
      'TEE-M:1',
      '--card',
      'tok_ok',
    ]);
    expect(placed.code).toBe(0);
    const id = /^placed (ORD-\S+)\s+tracking \S+\s+status \w+$/m.exec(placed.stdout)![1];
    const order = (await oms.request('GET', `/v1/orders/${id}`)).body;
    expect(order.customerId).toBe('CUST-ACME');
    expect(order.lines.map((line: { sku: string; quantity: number }) => `${line.sku}:${line.quantity}`)).toEqual([
      'MUG-BLK:2',
      'TEE-M:1',
    ]);
    expect(order.payment.method).toBe('card');

    const net30 = await cli(['orders', 'place', '--customer', 'CUST-GLOBEX', '--line', 'BEANS-1KG:1', '--json']);
    expect([net30.code, net30.stderr]).toEqual([0, '']);
    expect((await oms.request('GET', `/v1/orders/${JSON.parse(net30.stdout).id}`)).body.payment.method).toBe('invoice');
  });

  it('imports a CSV in chunks, reports the rejected row by its line, and places nothing twice when run again', async () => {
    const file = path.join(workDir, 'orders.csv');
    writeFileSync(
      file,
      [
        'customerId,lines,paymentMethod,paymentToken,shipName,shipLine1,shipCity,shipRegion,shipPostalCode,shipCountry',
        'CUST-INITECH,MUG-BLK:1,card,tok_ok,,,,,,',
        'CUST-INITECH,"TEE-M:2;MUG-BLK:1",card,tok_ok,"Initech, Dock 2",9 Office Park,Austin,TX,73301,US',
        'CUST-INITECH,NO-SUCH-SKU:1,card,tok_ok,,,,,,',
        '',
      ].join('\n'),
    );
    const imported = await cli(['orders', 'import', file, '--chunk-size', '2']);
    expect(imported.stdout).toContain(`${file}: 3 rows, 2 placed, 1 rejected`);
    expect(imported.stdout).toMatch(/line 4: body\.lines.*NO-SUCH-SKU/);
    expect(imported.code).toBe(1);
    const listed = (await oms.request('GET', '/v1/orders?customerId=CUST-INITECH')).body.items as { id: string }[];
    expect(listed).toHaveLength(2);
    const shipTo = (await oms.request('GET', `/v1/orders/${listed[0].id}`)).body.shippingAddress;
    expect(shipTo.name).toBe('Initech, Dock 2');

    const again = await cli(['orders', 'import', file, '--chunk-size', '2']);
    expect(again.stdout).toContain('3 rows, 2 placed, 1 rejected');
    expect((await oms.request('GET', '/v1/orders?customerId=CUST-INITECH')).body.items).toHaveLength(2);
  });

  it('receives stock once per reference', async () => {
    const level = async () =>
      (await oms.request('GET', '/v1/inventory?sku=BEANS-1KG&warehouse=RNO')).body.items[0]?.onHand ?? 0;
    const before = await level();
    const receive = () =>
      cli(
        [
          'inventory',
          'receive',
          '--warehouse',
          'RNO',
          '--sku',
          'BEANS-1KG',
          '--quantity',
          '7',
          '--reference',
          'PO-CLI-1',
        ],
        { as: 'warehouse' },
      );
    const first = await receive();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('received 7 × BEANS-1KG into RNO');
    expect(await level()).toBe(before + 7);
    expect((await receive()).stdout).toContain('nothing moved');
    expect(await level()).toBe(before + 7);
  });

  it('approves reduced quantities, and explains a 403 and a 409 readably', async () => {
    const placed = await cli([
      'orders',
      'place',
      '--customer',
      'CUST-ACME',
      '--line',
      'LAPTOP-14:4',
      '--card',
      'tok_ok',
      '--json',
    ]);
    const id = JSON.parse(placed.stdout).id as string;
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');

    const asSales = await cli(['orders', 'approve', id], { as: 'sales' });
    expect(asSales.code).toBe(1);
    expect(asSales.stderr).toContain('The API answered 403 Forbidden: role sales may not do this; it needs approver');

    const approved = await cli(['orders', 'approve', id, '--line', 'LAPTOP-14:3', '--note', 'budget for three'], {
      as: 'approver',
    });
    expect(approved.stderr).toBe('');
    expect(approved.stdout).toMatch(new RegExp(`^approved ${id}: now [A-Z_]+\\n$`));
    const order = (await oms.request('GET', `/v1/orders/${id}`)).body;
    expect(order.lines[0]).toMatchObject({ sku: 'LAPTOP-14', quantity: 4, approvedQuantity: 3, cancelledQuantity: 1 });

    const twice = await cli(['orders', 'approve', id], { as: 'approver' });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^The API answered 409/);
  });

  it('prints problem+json errors field by field, and says what to do when the API is not there', async () => {
    const invalid = await cli([
      'orders',
      'place',
      '--customer',
      'CUST-NOPE',
      '--line',
      'MUG-BLK:1',
      '--card',
      'tok_ok',
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^The API answered 422 Unprocessable request: .*\n {2}body\.customerId: /);

    const unreachable = await cli(
      ['orders', 'place', '--customer', 'CUST-ACME', '--line', 'MUG-BLK:1', '--card', 'tok_ok'],
      { env: { OMS_API_URL: `http://127.0.0.1:${await freePort()}` } },
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('Is npm start running?');

    const wrongKey = await cli([
      'orders',
      'place',
      '--customer',
      'CUST-ACME',
      '--line',
      'MUG-BLK:1',
      '--card',
      'tok_ok',
      '--key',
      'not-a-key',
    ]);
    expect(wrongKey.stderr).toContain('npx oms keys create --role');
    const badLine = await cli(['orders', 'place', '--customer', 'CUST-ACME', '--line', 'MUG-BLK']);
    expect([badLine.code, badLine.stderr]).toEqual([2, expect.stringContaining('--line takes SKU:QTY')]);
  });

  it('creates an API key that the running API accepts at once, lists it without the secret, and revokes keys', async () => {
    const created = await cli(['keys', 'create', '--role', 'warehouse', '--label', 'cli test']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^oms_warehouse_[0-9a-f]{8}_[0-9a-f]{48}$/);
    expect(created.stderr).toContain('shown only now');
    expect((await oms.request('GET', '/v1/pick-lists', { key })).status).toBe(200);
    expect((await oms.request('POST', '/v1/orders', { key, body: {} })).status).toBe(403);

    const id = key.slice(0, key.lastIndexOf('_'));
    const listed = await cli(['keys', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+warehouse\\s+\\S+\\s+-\\s+cli test$`, 'm'));
    expect(listed.stdout).not.toContain(key);

    const unused = (await cli(['keys', 'create', '--role', 'sales'])).stdout.trim();
    expect((await cli(['keys', 'revoke', unused.slice(0, unused.lastIndexOf('_'))])).code).toBe(0);
    expect((await oms.request('GET', '/v1/orders', { key: unused })).status).toBe(401);
    expect((await cli(['keys', 'create', '--role', 'boss'])).stderr).toContain('--role must be one of admin, sales');
  });

  it('seeds the demo data again without changing it, and has help for every command', async () => {
    const before = (await oms.request('GET', '/v1/products')).body;
    const seeded = await cli(['seed']);
    expect([seeded.code, seeded.stdout]).toEqual([0, 'demo data loaded\n']);
    expect((await oms.request('GET', '/v1/products')).body).toEqual(before);

    for (const command of [
      'seed',
      'orders place',
      'orders import',
      'orders approve',
      'inventory receive',
      'keys create',
      'keys list',
      'keys revoke',
    ]) {
      const help = await cli([...command.split(' '), '--help']);
      expect([help.code, help.stdout.split('\n')[0]]).toEqual([
        0,
        expect.stringContaining(`usage: npx oms ${command}`),
      ]);
    }
    const overview = await cli(['--help']);
    expect(overview.stdout).toContain('inventory receive');
    expect((await cli(['orders', 'ship'])).stderr).toContain('unknown command "orders ship"');
  });
});
