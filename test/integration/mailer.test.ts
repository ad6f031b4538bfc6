import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startLocalSmtpServer, type LocalSmtpServer } from '../../notifications/local-smtp-server';
import { classifySendError, createMailer, MailSendError, type Mailer } from '../../notifications/mailer';
import { createTemplateRenderer } from '../../notifications/templates';

/** Real SMTP: the mailer's pooled nodemailer transport against the local smtp-server that keeps every message. */
describe('mailer and local SMTP server', () => {
  let dir: string;
  let server: LocalSmtpServer;
  let mailer: Mailer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'oms-mail-'));
    server = await startLocalSmtpServer({
      dir,
      rejectRecipients: (address) => (address.startsWith('nobody@') ? true : address.startsWith('busy@') ? 451 : false),
    });
    mailer = createMailer({ smtpUrl: server.url, from: 'Acme Mugs <orders@acme.example>', timeoutMs: 5_000 });
  });

  afterAll(async () => {
    mailer?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a rendered notification with its text and HTML bodies, kept as .eml', async () => {
    const rendered = createTemplateRenderer().render('order_shipped', {
      shopName: 'Acme Mugs',
      customer: { name: 'Ada <Lovelace>' },
      order: { id: 'ORD-42', trackingNumber: 'TRK-42', lines: [{ sku: 'MUG-BLK', name: 'Black mug', quantity: 2 }] },
      trackingUrl: 'http://localhost:3000/track/TRK-42',
      shipment: { id: 'SHP-1', carrier: 'UPS', carrierTrackingNumber: '1Z999AA10123456784' },
    });
    const sent = await mailer.send({ to: 'ada@example.com', ...rendered, messageId: 'notification-1@oms.test' });
    expect(sent).toMatchObject({ messageId: '<notification-1@oms.test>', accepted: ['ada@example.com'], rejected: [] });

    const kept = await server.waitForMessage((message) => message.messageId === sent.messageId, 5_000);
    expect(kept).toMatchObject({
      from: 'orders@acme.example',
      to: ['ada@example.com'],
      envelope: { from: 'orders@acme.example', to: ['ada@example.com'] },
      subject: 'Acme Mugs: your order ORD-42 is on its way',
    });
    expect(kept.text).toContain('Hello Ada <Lovelace>,');
    expect(kept.text).toContain('Carrier tracking number: 1Z999AA10123456784');
    expect(kept.text).toContain('Follow the delivery: http://localhost:3000/track/TRK-42');
    expect(kept.html).toContain('Hello Ada &lt;Lovelace&gt;,');
    expect(kept.html).toContain('<a href="http://localhost:3000/track/TRK-42">Follow the delivery</a>');
    expect(kept.receivedAt).toBeInstanceOf(Date);

    expect(path.dirname(kept.file)).toBe(dir);
    expect(readdirSync(dir)).toContain(`${kept.id}.eml`);
    const raw = readFileSync(kept.file, 'utf8');
    expect(raw).toContain('Message-ID: <notification-1@oms.test>');
    expect(raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(server.messages().map((message) => message.id)).toContain(kept.id);
  });

  it('a refused recipient (550) is permanent; a 4xx refusal is transient', async () => {
    const mail = { subject: 'Hello', text: 'Hello', html: '<p>Hello</p>' };
    const refused = await mailer.send({ to: 'nobody@example.com', ...mail }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MailSendError);
    expect(refused).toMatchObject({ kind: 'permanent', permanent: true, responseCode: 550 });
    expect(classifySendError(refused)).toBe('permanent');
    expect(classifySendError((refused as MailSendError).cause)).toBe('permanent');
    expect((refused as Error).message).toContain('nobody@example.com');

    const busy = await mailer.send({ to: 'busy@example.com', ...mail }).catch((error: unknown) => error);
    expect(busy).toMatchObject({ kind: 'transient', permanent: false, responseCode: 451 });

    // The pool is still good after the refusals.
    await expect(mailer.send({ to: 'after-refusal@example.com', ...mail })).resolves.toMatchObject({
      accepted: ['after-refusal@example.com'],
    });
    expect(server.messages().some((message) => message.to.includes('nobody@example.com'))).toBe(false);
  });

  it('a stopped server is transient and fails fast; mail goes again once it is back on the same port', async () => {
    const port = server.port;
    const mail = { subject: 'While down', text: 'Hello', html: '<p>Hello</p>' };
    // A connection is in the pool when the server goes down.
    await mailer.send({ to: 'before@example.com', ...mail });
    await server.stop();
    expect(await isListening(port)).toBe(false);

    const started = Date.now();
    const failed = await mailer.send({ to: 'down@example.com', ...mail }).catch((error: unknown) => error);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(failed).toBeInstanceOf(MailSendError);
    expect(failed).toMatchObject({ kind: 'transient', permanent: false });
    expect(classifySendError(failed)).toBe('transient');

    await server.start();
    expect(server.port).toBe(port);
    const sent = await mailer.send({ to: 'back@example.com', ...mail, subject: 'Back again' });
    expect(sent.accepted).toEqual(['back@example.com']);
    const kept = await server.waitForMessage((message) => message.subject === 'Back again', 5_000);
    expect(kept.to).toEqual(['back@example.com']);
    expect(server.messages().some((message) => message.to.includes('down@example.com'))).toBe(false);
  });

  it('a server that never answers times out as transient', async () => {
    // Accepts the TCP connection and says nothing: the greeting timeout ends it.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const slow = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'orders@acme.example', timeoutMs: 500 });
    try {
      const failed = await slow
        .send({ to: 'a@example.com', subject: 's', text: 't', html: '<p>t</p>' })
        .catch((error: unknown) => error);
      expect(failed).toMatchObject({ kind: 'transient', code: 'ETIMEDOUT' });
    } finally {
      slow.close();
      silent.close();
    }
  });

  it('classifies errors without a server', () => {
    expect(
      classifySendError(Object.assign(new Error('refused'), { code: 'ESOCKET', originalCode: 'ECONNREFUSED' })),
    ).toBe('transient');
    expect(classifySendError(Object.assign(new Error('mailbox full'), { responseCode: 452 }))).toBe('transient');
    expect(classifySendError(Object.assign(new Error('no such user'), { responseCode: 550, command: 'RCPT TO' }))).toBe(
      'permanent',
    );
    expect(classifySendError(Object.assign(new Error('bad sequence'), { responseCode: 503 }))).toBe('transient');
    // A wrong password or a server refusing the connection is not the message's fault: it may go once fixed.
    expect(classifySendError(Object.assign(new Error('auth'), { code: 'EAUTH', responseCode: 535 }))).toBe('transient');
    expect(classifySendError(Object.assign(new Error('go away'), { responseCode: 554, command: 'CONN' }))).toBe(
      'transient',
    );
    expect(classifySendError(Object.assign(new Error('no recipients'), { code: 'EENVELOPE' }))).toBe('permanent');
    expect(classifySendError(new Error('something else'))).toBe('transient');
    expect(() => createMailer({ smtpUrl: 'http://mail.example', from: 'a@example.com' })).toThrow(
      'the SMTP URL must start with smtp:// or smtps://',
    );
  });

  it('keeps the directory it was given', () => {
    expect(existsSync(dir)).toBe(true);
    expect(server.dir).toBe(dir);
    expect(server.url).toBe(`smtp://127.0.0.1:${server.port}`);
  });
});

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
