import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface ReceivedEvent {
  id: string;
  type: string;
  createdAt: string;
  orderId: string;
  sequence: number;
  data: Record<string, any>;
}

/**
 * A real HTTP receiver of webhooks that checks every request's Standard Webhooks signature with the subscription's
 * secret (set once the subscription exists); it can answer with errors, or be down, for a while.
 */
export async function startWebhookReceiver() {
  const events: ReceivedEvent[] = [];
  const requests: { webhookId: string; status: number }[] = [];
  const badSignatures: string[] = [];
  let verifier: Webhook | undefined;
  let failWith: number | undefined;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      };
      const answer = (status: number) => {
        requests.push({ webhookId: headers['webhook-id'], status });
        res.writeHead(status).end();
      };
      if (failWith) return answer(failWith);
      try {
        if (!verifier) throw new Error('no secret yet');
        events.push(verifier.verify(body, headers) as ReceivedEvent);
        answer(204);
      } catch (error) {
        badSignatures.push(`${headers['webhook-id']}: ${(error as Error).message}`);
        answer(401);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`;

  return {
    url,
    events,
    requests,
    badSignatures,
    useSecret(secret: string) {
      verifier = new Webhook(secret);
    },
    /** Answers every request with this status (undefined: back to normal). */
    failWith(status: number | undefined) {
      failWith = status;
    },
    eventsOf(orderId: string) {
      return events.filter((event) => event.orderId === orderId);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
