import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../../db/connection';
import { startLocalSmtpServer, type LocalSmtpServer } from '../../notifications/local-smtp-server';
import { freePort } from '../../tools/free-port';
import type { OmsApiClient } from '../system/api-client';

/**
 * What a chaos run's orders tell the outside world, seen from outside: a webhook receiver that checks every
 * signature and a real SMTP server, each taken down for a while mid-run. Once the orders have settled, every event
 * must have reached the receiver and every customer email the mail server, at least once (SPEC section 6), with
 * each order's events numbered 1..n without a gap.
 */
export async function startOutboundWitness(mailDir: string, log: (message: string) => void) {
  const received = new Map<string, number>(); // event id -> deliveries received
  const badSignatures: string[] = [];
  let verifier: Webhook | undefined;
  let receiverDown = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (receiverDown || !verifier) return void res.writeHead(503).end();
      try {
        const event = verifier.verify(Buffer.concat(chunks).toString('utf8'), {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        }) as { id: string };
        received.set(event.id, (received.get(event.id) ?? 0) + 1);
        res.writeHead(204).end();
      } catch (error) {
        badSignatures.push(`${String(req.headers['webhook-id'])}: ${(error as Error).message}`);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/chaos-hooks`;
  // A fixed port, so the server comes back where the workers know it after an outage.
  const smtp: LocalSmtpServer = await startLocalSmtpServer({ port: await freePort(), dir: mailDir });

  return {
    /** The OMS's OMS_SMTP_URL. */
    smtpUrl: smtp.url,

    async subscribe(api: OmsApiClient): Promise<void> {
      const created = await api.send('POST', '/v1/webhooks', {
        as: 'admin',
        body: { url: receiverUrl, events: ['*'], description: 'chaos witness' },
      });
      if (created.status !== 201) throw new Error(`subscribing answered ${created.status}`);
      verifier = new Webhook((created.body as { secret: string }).secret);
    },

    /** The receiver answers 503 and the mail server refuses connections for `downMs`. */
    async outage(downMs: number): Promise<void> {
      log(`webhook receiver and mail server down for ${Math.round(downMs / 1000)}s`);
      receiverDown = true;
      await smtp.stop();
      await sleep(downMs);
      receiverDown = false;
      await smtp.start();
      log('webhook receiver and mail server are back');
    },

    /** Waits (up to `timeoutMs`) for every delivery and email to go out, then checks what arrived. */
    async verify(db: Db, timeoutMs: number): Promise<{ ok: boolean; lines: string[] }> {
      const deadline = Date.now() + timeoutMs;
      let outstanding: { deliveries: number; emails: number };
      do {
        const [deliveries] = await db('webhook_deliveries').whereNot('status', 'delivered').count({ n: '*' });
        const [emails] = await db('notifications').whereNot('status', 'sent').count({ n: '*' });
        outstanding = { deliveries: Number(deliveries.n), emails: Number(emails.n) };
        if (outstanding.deliveries + outstanding.emails === 0) break;
        await sleep(1_000);
      } while (Date.now() < deadline);

      const events: { id: string; order_id: string; sequence: number }[] = await db('outbound_events')
        .select('id', 'order_id', 'sequence')
        .orderBy(['order_id', 'sequence']);
      const gaps = new Set<string>();
      let expected = new Map<string, number>();
      for (const event of events) {
        const next = (expected.get(event.order_id) ?? 0) + 1;
        if (event.sequence !== next) gaps.add(event.order_id);
        expected = expected.set(event.order_id, event.sequence);
      }
      const missing = events.filter((event) => !received.has(event.id));
      const duplicates = [...received.values()].filter((times) => times > 1).length;
      const emails: { id: string; status: string }[] = await db('notifications').select('id', 'status');
      const delivered = new Set(smtp.messages().map((message) => message.messageId ?? ''));
      const lostEmails = emails.filter((email) => ![...delivered].some((messageId) => messageId.includes(email.id)));
      const lines = [
        `events            ${events.length} recorded for ${expected.size} orders; ${received.size} received by the webhook receiver (${duplicates} more than once), ${missing.length} never received, ${gaps.size} orders with a gap in their sequence, ${badSignatures.length} bad signatures`,
        `customer emails   ${emails.length} recorded, ${emails.length - lostEmails.length} received by the mail server, ${lostEmails.length} not received; outstanding after the wait: ${outstanding.deliveries} deliveries, ${outstanding.emails} emails`,
      ];
      if (missing.length)
        lines.push(
          `  never received: ${missing
            .slice(0, 5)
            .map((event) => event.id)
            .join(', ')}`,
        );
      if (gaps.size) lines.push(`  sequence gaps: ${[...gaps].slice(0, 5).join(', ')}`);
      if (badSignatures.length) lines.push(`  bad signatures: ${badSignatures.slice(0, 3).join('; ')}`);
      return {
        ok: missing.length === 0 && gaps.size === 0 && badSignatures.length === 0 && lostEmails.length === 0,
        lines,
      };
    },

    async close(): Promise<void> {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await smtp.close();
    },
  };
}
