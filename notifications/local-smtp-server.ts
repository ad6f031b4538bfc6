import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message the local server accepted, as kept in `<dir>/<id>.eml` and parsed. */
export interface KeptMessage {
  /** The file's name without `.eml`: the time it arrived and a random suffix, so that the names sort by arrival. */
  id: string;
  /** The raw message (`.eml`). */
  file: string;
  /** The SMTP envelope: MAIL FROM and every accepted RCPT TO. */
  envelope: { from: string; to: string[] };
  /** Addresses of the From header (the first one) and of the To header. */
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The HTML body, null when the message has none. */
  html: string | null;
  /** The Message-ID header, with angle brackets. */
  messageId: string | null;
  receivedAt: Date;
}

export interface LocalSmtpServerOptions {
  /** 0 (the default) takes a free port; stop() and start() keep the port first taken. */
  port?: number;
  /** Where each message is written as `<id>.eml` (created when missing). */
  dir: string;
  /**
   * Refuses RCPT TO for the addresses it returns true for (550, a permanent failure) or a reply code for (e.g. 450,
   * a transient one): for tests.
   */
  rejectRecipients?: (address: string) => boolean | number;
  /** Called with each message once it is kept. */
  onMessage?: (message: KeptMessage) => void;
  /** Errors of client connections (a client that went away); they never stop the server. */
  onError?: (error: Error) => void;
}

export interface LocalSmtpServer {
  readonly port: number;
  /** `smtp://127.0.0.1:<port>`, for OMS_SMTP_URL or createMailer. */
  readonly url: string;
  readonly dir: string;
  /** The messages kept since this server started, oldest first (the .eml files of earlier runs stay in `dir`). */
  messages(): KeptMessage[];
  /** The first kept message the predicate accepts, now or when it arrives; rejects after timeoutMs (default 10 s). */
  waitForMessage(predicate: (message: KeptMessage) => boolean, timeoutMs?: number): Promise<KeptMessage>;
  /** Stops listening and drops every connection at once, as a server that went down would (for tests). */
  stop(): Promise<void>;
  /** Listens again on the same port after stop(). */
  start(): Promise<void>;
  /** Stops listening; connections in the middle of a message get a second to finish. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

/**
 * A local SMTP server that keeps every message instead of delivering it: for `npm start` without OMS_SMTP_URL
 * (nothing leaves the machine) and for tests, as a real server. Loopback only, no login, no TLS.
 */
export async function startLocalSmtpServer(options: LocalSmtpServerOptions): Promise<LocalSmtpServer> {
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const kept: KeptMessage[] = [];
  const waiters = new Set<(message: KeptMessage) => void>();
  let port = options.port ?? 0;
  let server: SMTPServer | undefined;

  const keep = async (raw: Buffer, session: SMTPServerSession): Promise<KeptMessage> => {
    const receivedAt = new Date();
    const id = `${receivedAt.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
    const file = path.join(dir, `${id}.eml`);
    // Written whole, then renamed: whoever watches the directory never reads half a message.
    await writeFile(`${file}.part`, raw);
    await rename(`${file}.part`, file);
    const parsed = await simpleParser(raw);
    const mailFrom = session.envelope.mailFrom;
    return {
      id,
      file,
      envelope: { from: mailFrom ? mailFrom.address : '', to: session.envelope.rcptTo.map((rcpt) => rcpt.address) },
      from: addressesOf(parsed.from)[0] ?? '',
      to: addressesOf(parsed.to),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: parsed.html === false || parsed.html === undefined ? null : parsed.html,
      messageId: parsed.messageId ?? null,
      receivedAt,
    };
  };

  const onData = (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (error?: Error | null, message?: string) => void,
  ): void => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      if (stream.sizeExceeded) return callback(replyError(552, 'Message exceeds the maximum size'));
      keep(Buffer.concat(chunks), session).then(
        (message) => {
          kept.push(message);
          for (const waiter of waiters) waiter(message);
          options.onMessage?.(message);
          callback(null, `Kept as ${message.id}`);
        },
        (error: unknown) =>
          callback(replyError(451, `Could not keep the message: ${error instanceof Error ? error.message : error}`)),
      );
    });
  };

  const start = (): Promise<void> => {
    if (server) return Promise.resolve();
    const created = new SMTPServer({
      name: 'oms-local-smtp',
      banner: 'OMS local mail server: messages are kept, never delivered',
      logger: false,
      secure: false,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: MAX_MESSAGE_BYTES,
      closeTimeout: 1_000,
      onRcptTo(address, _session, callback) {
        const refusal = options.rejectRecipients?.(address.address) ?? false;
        if (refusal === false) return callback();
        const code = refusal === true ? 550 : refusal;
        callback(replyError(code, `Mailbox ${address.address} refused by the test server`));
      },
      onData,
    });
    created.on('error', (error: Error) => options.onError?.(error));
    return new Promise<void>((resolve, reject) => {
      const failed = (error: Error) => reject(error);
      created.server.once('error', failed);
      created.listen(port, HOST, () => {
        created.server.off('error', failed);
        port = (created.server.address() as AddressInfo).port;
        server = created;
        resolve();
      });
    });
  };

  const shutDown = (abrupt: boolean): Promise<void> => {
    const running = server;
    server = undefined;
    if (!running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      running.close(() => resolve());
      if (abrupt) for (const connection of running.connections) connection.close();
    });
  };

  await start();
  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://${HOST}:${port}`;
    },
    dir,
    messages: () => [...kept],
    waitForMessage(predicate, timeoutMs = 10_000) {
      const found = kept.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<KeptMessage>((resolve, reject) => {
        const waiter = (message: KeptMessage) => {
          if (!predicate(message)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(message);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = kept.map((message) => `"${message.subject}" to ${message.to.join(', ')}`).join('; ') || 'none';
          reject(new Error(`no matching message arrived within ${timeoutMs} ms (kept: ${seen})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    stop: () => shutDown(true),
    start,
    close: () => shutDown(false),
  };
}

function replyError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

function addressesOf(header: AddressObject | AddressObject[] | undefined): string[] {
  const flatten = (entries: EmailAddress[]): string[] =>
    entries.flatMap((entry) => (entry.group ? flatten(entry.group) : entry.address ? [entry.address] : []));
  return (Array.isArray(header) ? header : header ? [header] : []).flatMap((object) => flatten(object.value));
}
