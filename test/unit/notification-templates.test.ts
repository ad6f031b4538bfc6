import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createTemplateRenderer,
  DEFAULT_TEMPLATES_DIR,
  NOTIFICATION_TEMPLATES,
  TemplateError,
  type NotificationContext,
  type NotificationTemplate,
} from '../../notifications/templates';

const context: NotificationContext = {
  shopName: 'Acme Mugs',
  customer: { name: 'Ada Lovelace' },
  order: {
    id: 'ORD-20261206-0042',
    trackingNumber: 'TRK-0123456789ABCDEFGHJK',
    total: { amount: 6483, currency: 'USD' },
    lines: [
      { sku: 'MUG-BLK', name: 'Black mug', quantity: 2 },
      { sku: 'BEANS-1KG', quantity: 1 },
    ],
  },
  trackingUrl: 'http://localhost:3000/track/TRK-0123456789ABCDEFGHJK',
  shipment: { id: 'SHP-7', carrier: 'UPS', carrierTrackingNumber: '1Z999AA10123456784' },
  refund: { amount: 1250, currency: 'USD', creditNote: 'CN-2026-000017', reason: 'Damaged in transit' },
  cancelReason: 'payment_declined',
};

const madeDirs: string[] = [];
afterAll(() => madeDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function overrideDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oms-mail-templates-'));
  madeDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('notification templates', () => {
  const renderer = createTemplateRenderer();

  it('renders every template: a one-line subject, a text and an HTML body with the order and its link', () => {
    for (const template of NOTIFICATION_TEMPLATES) {
      const { subject, text, html } = renderer.render(template, context);
      expect(subject).not.toMatch(/[\r\n]/);
      expect(subject).toContain('Acme Mugs');
      for (const body of [subject, text, html]) expect(body).toContain('ORD-20261206-0042');
      for (const body of [text, html]) {
        expect(body).toContain('Ada Lovelace');
        expect(body).toContain(context.trackingUrl);
      }
      expect(html).toMatch(/^<!doctype html>/);
    }
  });

  it('confirmed: the items and the total in major units', () => {
    const { text, html } = renderer.render('order_confirmed', context);
    for (const body of [text, html]) {
      expect(body).toContain('Black mug');
      expect(body).toContain('MUG-BLK');
      expect(body).toContain('BEANS-1KG');
      expect(body).toContain('64.83 USD');
    }
    expect(text).toContain('2 x Black mug (MUG-BLK)');
  });

  it('shipped: the carrier, its tracking number and the tracking link', () => {
    const { subject, text, html } = renderer.render('order_shipped', context);
    expect(subject).toBe('Acme Mugs: your order ORD-20261206-0042 is on its way');
    for (const body of [text, html]) {
      expect(body).toContain('UPS');
      expect(body).toContain('1Z999AA10123456784');
    }
    expect(text).toContain(`Follow the delivery: ${context.trackingUrl}`);
    expect(html).toContain(`<a href="${context.trackingUrl}">`);
  });

  it('delivered', () => {
    const { subject, text } = renderer.render('order_delivered', context);
    expect(subject).toBe('Acme Mugs: your order ORD-20261206-0042 has been delivered');
    expect(text).toContain('has been delivered');
  });

  it('refunded: the amount in the currency, the credit note and the reason', () => {
    const { subject, text, html } = renderer.render('order_refunded', context);
    expect(subject).toBe('Acme Mugs: we have refunded 12.50 USD for order ORD-20261206-0042');
    for (const body of [text, html]) {
      expect(body).toContain('12.50 USD');
      expect(body).toContain('CN-2026-000017');
      expect(body).toContain('Damaged in transit');
    }
    const inYen = renderer.render('order_refunded', { ...context, refund: { amount: 1250, currency: 'JPY' } });
    expect(inYen.text).toContain('1250 JPY');
    expect(inYen.text).not.toContain('Credit note');
    expect(
      renderer.render('order_refunded', { ...context, refund: { amount: 12345, currency: 'KWD' } }).subject,
    ).toContain('12.345 KWD');
  });

  it('cancelled: the reason in words, or as given when it is not a known one', () => {
    expect(renderer.render('order_cancelled', context).text).toContain(
      'your order ORD-20261206-0042 has been cancelled because the payment was declined.',
    );
    expect(renderer.render('order_cancelled', { ...context, cancelReason: 'requested' }).text).toContain(
      'has been cancelled at your request.',
    );
    expect(renderer.render('order_cancelled', { ...context, cancelReason: 'duplicate order' }).text).toContain(
      'has been cancelled (duplicate order).',
    );
    expect(renderer.render('order_cancelled', { ...context, cancelReason: undefined }).text).toContain(
      'has been cancelled.',
    );
  });

  it('escapes HTML in the HTML body only; the subject stays one line', () => {
    const hostile = {
      ...context,
      customer: { name: '<script>alert("x")</script> & Co' },
      order: { ...context.order, id: 'ORD-1\r\nBcc: everyone@example.com' },
    };
    const { subject, text, html } = renderer.render('order_confirmed', hostile);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(html).not.toContain('<script>');
    expect(text).toContain('Hello <script>alert("x")</script> & Co,');
    expect(subject).toBe('Acme Mugs: your order ORD-1 Bcc: everyone@example.com is confirmed');
  });

  it('refuses unknown templates and a context without what the template needs', () => {
    // @ts-expect-error an unknown template name does not type-check
    expect(() => renderer.render('order_lost', context)).toThrow('unknown mail template order_lost');
    expect(() => renderer.render('order_shipped', { ...context, shipment: undefined })).toThrow(
      'mail template order_shipped needs shipment',
    );
    expect(() => renderer.render('order_refunded', { ...context, refund: undefined })).toThrow(TemplateError);
  });

  it('an override directory replaces only the files it has', () => {
    const dir = overrideDir({
      'order_shipped/subject.hbs': 'Shipped! {{shipment.carrier}} {{shipment.carrierTrackingNumber}}\n',
      'order_refunded/html.hbs': '<p>{{customer.name}} gets {{money refund}} back</p>',
    });
    const custom = createTemplateRenderer({ overrideDir: dir });
    const shipped = custom.render('order_shipped', context);
    expect(shipped.subject).toBe('Shipped! UPS 1Z999AA10123456784');
    expect(shipped.text).toBe(renderer.render('order_shipped', context).text);
    expect(shipped.html).toBe(renderer.render('order_shipped', context).html);
    const refunded = custom.render('order_refunded', { ...context, customer: { name: 'Bo & Jo' } });
    expect(refunded.html).toBe('<p>Bo &amp; Jo gets 12.50 USD back</p>');
    expect(refunded.subject).toBe(renderer.render('order_refunded', context).subject);
    expect(custom.render('order_delivered', context)).toEqual(renderer.render('order_delivered', context));
    expect(custom.files('order_shipped')).toEqual({
      subject: path.join(dir, 'order_shipped', 'subject.hbs'),
      text: path.join(DEFAULT_TEMPLATES_DIR, 'order_shipped', 'text.hbs'),
      html: path.join(DEFAULT_TEMPLATES_DIR, 'order_shipped', 'html.hbs'),
    });
    expect(custom.validate()).toEqual([]);
  });

  it('compiles each file once', () => {
    const dir = overrideDir({ 'order_delivered/subject.hbs': 'First {{order.id}}' });
    const custom = createTemplateRenderer({ overrideDir: dir });
    expect(custom.render('order_delivered', context).subject).toBe('First ORD-20261206-0042');
    writeFileSync(path.join(dir, 'order_delivered/subject.hbs'), 'Second {{order.id}}');
    expect(custom.render('order_delivered', context).subject).toBe('First ORD-20261206-0042');
  });

  it('a broken template file is named in the error', () => {
    const dir = overrideDir({ 'order_shipped/text.hbs': 'Hello {{customer.name}\n{{#if shipment}}no end' });
    const custom = createTemplateRenderer({ overrideDir: dir });
    const file = path.join(dir, 'order_shipped', 'text.hbs');
    let thrown: unknown;
    try {
      custom.render('order_shipped', context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TemplateError);
    expect((thrown as TemplateError).file).toBe(file);
    expect((thrown as TemplateError).message).toContain(
      `mail template order_shipped/text.hbs (${file}) does not compile`,
    );
    expect((thrown as TemplateError).message).toMatch(/Parse error on line 1/);
    // Other templates still render, and validate() lists the broken file.
    expect(custom.render('order_delivered', context).subject).toContain('delivered');
    expect(custom.validate().map((problem) => problem.file)).toEqual([file]);
  });

  it('a mismatched block is a compile error too, and misspelt override files are reported', () => {
    const dir = overrideDir({
      'order_confirmed/html.hbs': '{{#each order.lines}}{{sku}}{{/if}}',
      'order_shiped/subject.hbs': 'typo',
    });
    const custom = createTemplateRenderer({ overrideDir: dir });
    expect(() => custom.render('order_confirmed', context)).toThrow(/order_confirmed\/html\.hbs .* does not compile/);
    const problems = custom.validate().map((problem) => problem.message);
    expect(problems).toHaveLength(2);
    expect(problems[1]).toContain(`${path.join(dir, 'order_shiped', 'subject.hbs')} in the mail template directory`);
  });

  it('a missing override directory is a clear error', () => {
    expect(() => createTemplateRenderer({ overrideDir: '/nonexistent/oms-mail' })).toThrow(
      'mail template directory /nonexistent/oms-mail does not exist',
    );
  });

  it('ships the three files of every template', () => {
    for (const template of NOTIFICATION_TEMPLATES as readonly NotificationTemplate[])
      for (const file of Object.values(renderer.files(template)))
        expect(readFileSync(file, 'utf8').length).toBeGreaterThan(0);
  });
});
