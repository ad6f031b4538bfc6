import nodemailer from 'nodemailer';
import type { NodemailerError } from 'nodemailer';

export interface MailerOptions {
  /** `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://host:465` (TLS from the start). */
  smtpUrl: string;
  /** The sender, e.g. `Acme Shop <orders@shop.example>`. */
  from: string;
  /** Connecting, the greeting and an idle socket each give up after this long, so a dead server fails fast. */
  timeoutMs?: number;
  /** Pooled connections at most (default 2). */
  maxConnections?: number;
  /** Errors of the transport that no send() reports (a failed send rejects its own promise). */
  onError?: (error: Error) => void;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * The Message-ID header, e.g. `<notification-123@oms>`; derived from the notification's id, every retry of one
   * notification carries the same one. Angle brackets are added when missing. Generated when absent.
   */
  messageId?: string;
  headers?: Record<string, string>;
}

export interface SentMail {
  /** The Message-ID header as sent, with angle brackets. */
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** The server's last reply, e.g. `250 OK: queued as ...`. */
  response: string;
}

export interface Mailer {
  /** Rejects with a MailSendError, whose `kind` says whether sending the same message again may succeed. */
  send(mail: OutgoingMail): Promise<SentMail>;
  /** Connects and says hello (and logs in, when the URL has credentials): for a check at start. */
  verify(): Promise<void>;
  close(): void;
}

/** `transient`: retry later (server down or busy, timeouts, 4xx); `permanent`: this message will never go (5xx). */
export type SendFailureKind = 'transient' | 'permanent';

export class MailSendError extends Error {
  constructor(
    message: string,
    readonly kind: SendFailureKind,
    /** The SMTP reply code, when the server answered. */
    readonly responseCode: number | undefined,
    /** The system's error code when there is one (`ECONNREFUSED`), else nodemailer's (`ETIMEDOUT`, `EENVELOPE`, ...). */
    readonly code: string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'MailSendError';
  }

  get permanent(): boolean {
    return this.kind === 'permanent';
  }
}

export const DEFAULT_MAIL_TIMEOUT_MS = 10_000;

/**
 * Errors about the connection, the server or the settings rather than the message: a message that met one may go
 * later, once the server is back or the settings are fixed, so none is permanent even with a 5xx reply (a wrong
 * password answers 535; the message is not to blame).
 */
const NOT_ABOUT_THE_MESSAGE = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EREQUIRETLS', 'EAUTH']);
const NOT_ABOUT_THE_MESSAGE_COMMANDS = new Set(['CONN', 'EHLO', 'HELO', 'LHLO', 'STARTTLS']);
/** Errors about the message itself, without a reply from the server (no recipient, an unreadable attachment). */
const ABOUT_THE_MESSAGE = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'EFILEACCESS', 'EURLACCESS', 'EOTP']);

/**
 * Whether sending the same message again may succeed. Transient: connection refused or reset, DNS, timeouts, TLS
 * and login failures, 4xx replies (and 503, a session out of step), anything unknown. Permanent: a 5xx reply to the
 * message or its recipients (550 no such user, 552 too big, 554 rejected), a message nodemailer refuses to build.
 */
export function classifySendError(error: unknown): SendFailureKind {
  if (error instanceof MailSendError) return error.kind;
  if (typeof error !== 'object' || error === null) return 'transient';
  const { code, responseCode, command } = error as NodemailerError;
  if (code !== undefined && NOT_ABOUT_THE_MESSAGE.has(code)) return 'transient';
  if (typeof responseCode === 'number') {
    if (command !== undefined && NOT_ABOUT_THE_MESSAGE_COMMANDS.has(command.toUpperCase())) return 'transient';
    return responseCode >= 500 && responseCode < 600 && responseCode !== 503 ? 'permanent' : 'transient';
  }
  return code !== undefined && ABOUT_THE_MESSAGE.has(code) ? 'permanent' : 'transient';
}

/** A pooled SMTP transport for the customer emails. */
export function createMailer(options: MailerOptions): Mailer {
  const url = parseSmtpUrl(options.smtpUrl);
  const timeout = options.timeoutMs ?? DEFAULT_MAIL_TIMEOUT_MS;
  const transport = nodemailer.createTransport(
    {
      pool: true,
      url: url.href,
      maxConnections: options.maxConnections ?? 2,
      // A message whose connection closed under it is tried once more on a fresh one; the caller retries the rest.
      maxRequeues: 1,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      dnsTimeout: timeout,
    },
    { from: options.from },
  );
  // The pool reports failures to the send they belong to; an 'error' event without a listener would end the process.
  transport.on('error', (error: Error) => options.onError?.(error));

  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId === undefined ? undefined : bracketed(mail.messageId),
          headers: mail.headers,
        });
        return {
          messageId: bracketed(info.messageId),
          accepted: info.accepted,
          rejected: info.rejected,
          response: info.response,
        };
      } catch (error) {
        throw toMailSendError(error, url);
      }
    },

    async verify() {
      try {
        await transport.verify();
      } catch (error) {
        throw toMailSendError(error, url);
      }
    },

    close() {
      transport.close();
    },
  };
}

function parseSmtpUrl(smtpUrl: string): URL {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error('the SMTP URL is not a URL (expected smtp://user:pass@host:port or smtps://...)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error(`the SMTP URL must start with smtp:// or smtps://, not ${url.protocol}//`);
  return url;
}

function bracketed(messageId: string): string {
  return messageId.startsWith('<') ? messageId : `<${messageId}>`;
}

function toMailSendError(error: unknown, url: URL): MailSendError {
  const kind = classifySendError(error);
  const details = typeof error === 'object' && error !== null ? (error as NodemailerError) : undefined;
  const code = details?.originalCode ?? details?.code;
  const reason = error instanceof Error ? error.message : String(error);
  // The server's address helps the operator; its credentials stay out of logs and the notification's error.
  const server = `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''}`;
  return new MailSendError(`mail to ${server} failed (${kind}): ${reason}`, kind, details?.responseCode, code, {
    cause: error,
  });
}
