import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { NOTIFICATION_TEMPLATES, type NotificationTemplate } from '../domain/order-events';
import { formatMoney, type Money } from '../domain/money';
import { PROJECT_ROOT } from '../tools/project-root';

/** The customer emails of SPEC section 6, one folder of templates each. */
export { NOTIFICATION_TEMPLATES, type NotificationTemplate };

/** The three files of a template: `subject.hbs` (one line, not escaped), `text.hbs` (not escaped), `html.hbs`. */
export const TEMPLATE_PARTS = ['subject', 'text', 'html'] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];

/**
 * The default templates, read from the project's directory so that the sources and the build in dist/ (and the
 * Docker image, which copies this folder) find the same files.
 */
export const DEFAULT_TEMPLATES_DIR = path.join(PROJECT_ROOT, 'notifications', 'templates');

export interface NotificationLine {
  sku: string;
  name?: string;
  quantity: number;
}

/** What every template may use. `shipment` is required by `order_shipped`, `refund` by `order_refunded`. */
export interface NotificationContext {
  customer: { name: string };
  order: { id: string; trackingNumber: string; total?: Money; lines: NotificationLine[] };
  /** The public tracking page of the order (`/track/<trackingNumber>`). */
  trackingUrl: string;
  shipment?: { id: string; carrier: string; carrierTrackingNumber: string };
  /** Amount in minor units. */
  refund?: { amount: number; currency: string; creditNote?: string; reason?: string };
  /** A cancel reason of the domain (`requested`, `payment_declined`, ...) or free text. */
  cancelReason?: string;
  shopName: string;
}

export interface RenderedNotification {
  subject: string;
  text: string;
  html: string;
}

export interface TemplateRendererOptions {
  /** A directory laid out like the defaults (`<template>/<part>.hbs`); each file present replaces the default one. */
  overrideDir?: string;
}

export interface TemplateRenderer {
  render(template: NotificationTemplate, context: NotificationContext): RenderedNotification;
  /**
   * Compiles every file now and reports each problem: files that do not compile, files in the override directory
   * that replace nothing (a misspelt name). For a warning at start; `render` compiles lazily and throws.
   */
  validate(): TemplateError[];
  /** The file each part of a template is read from (the override or the default). */
  files(template: NotificationTemplate): Record<TemplatePart, string>;
}

/** A template that cannot be found, compiled or rendered; `file` names it. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

export function isNotificationTemplate(name: string): name is NotificationTemplate {
  return (NOTIFICATION_TEMPLATES as readonly string[]).includes(name);
}

/** What a template needs beyond the common context. */
const REQUIRED: Partial<Record<NotificationTemplate, (keyof NotificationContext)[]>> = {
  order_shipped: ['shipment'],
  order_refunded: ['refund'],
};

/** Customer wording for the domain's cancel reasons, to follow "has been cancelled". */
const CANCEL_REASON_TEXT: Record<string, string> = {
  requested: 'at your request',
  payment_declined: 'because the payment was declined',
  backorder_expired: 'because the items on backorder did not come back in stock in time',
  unavailable: 'because the items are not available',
  hold_expired: 'because it could not be completed in time',
};

type CompiledPart = (context: NotificationContext) => string;

/**
 * Renders the customer emails with handlebars. Each file is read and compiled once, on first use; the helpers are
 * `{{money x}}` (any `{amount, currency}` in minor units, e.g. `order.total` or `refund`, as `12.50 USD`) and
 * `{{describeCancelReason cancelReason}}`.
 */
export function createTemplateRenderer(options: TemplateRendererOptions = {}): TemplateRenderer {
  const overrideDir = options.overrideDir === undefined ? undefined : path.resolve(options.overrideDir);
  if (overrideDir !== undefined && !(existsSync(overrideDir) && statSync(overrideDir).isDirectory()))
    throw new TemplateError(`mail template directory ${overrideDir} does not exist`, overrideDir);

  const handlebars = Handlebars.create();
  handlebars.registerHelper('money', (value: unknown) => {
    if (!isMoney(value)) throw new Error('the money helper needs an {amount, currency} value, e.g. {{money refund}}');
    return formatMoney(value.amount, value.currency);
  });
  handlebars.registerHelper('describeCancelReason', (reason: unknown) =>
    typeof reason === 'string' ? (CANCEL_REASON_TEXT[reason] ?? `(${reason})`) : '',
  );

  const compiled = new Map<string, CompiledPart>();

  const fileOf = (template: NotificationTemplate, part: TemplatePart): string => {
    const relative = path.join(template, `${part}.hbs`);
    if (overrideDir !== undefined) {
      const override = path.join(overrideDir, relative);
      if (existsSync(override)) return override;
    }
    return path.join(DEFAULT_TEMPLATES_DIR, relative);
  };

  const label = (template: NotificationTemplate, part: TemplatePart, file: string) =>
    `mail template ${template}/${part}.hbs (${file})`;

  const compile = (template: NotificationTemplate, part: TemplatePart): CompiledPart => {
    const key = `${template}/${part}`;
    const cached = compiled.get(key);
    if (cached) return cached;
    const file = fileOf(template, part);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      throw new TemplateError(`${label(template, part, file)} cannot be read: ${messageOf(error)}`, file);
    }
    let delegate: Handlebars.TemplateDelegate<NotificationContext>;
    try {
      // parse() finds syntax errors now; compile() alone would wait for the first render.
      delegate = handlebars.compile<NotificationContext>(handlebars.parse(source), { noEscape: part !== 'html' });
    } catch (error) {
      throw new TemplateError(`${label(template, part, file)} does not compile: ${messageOf(error)}`, file);
    }
    const run: CompiledPart = (context) => {
      let output: string;
      try {
        output = delegate(context);
      } catch (error) {
        throw new TemplateError(`${label(template, part, file)} failed to render: ${messageOf(error)}`, file);
      }
      // A subject is one header line: no line breaks (nor header injection), no runs of spaces.
      return part === 'subject' ? output.replace(/\s+/g, ' ').trim() : output;
    };
    compiled.set(key, run);
    return run;
  };

  return {
    render(template, context) {
      if (!isNotificationTemplate(template)) throw new TemplateError(`unknown mail template ${String(template)}`);
      for (const field of REQUIRED[template] ?? [])
        if (context[field] === undefined) throw new TemplateError(`mail template ${template} needs ${field}`);
      return {
        subject: compile(template, 'subject')(context),
        text: compile(template, 'text')(context),
        html: compile(template, 'html')(context),
      };
    },

    validate() {
      const problems: TemplateError[] = [];
      for (const template of NOTIFICATION_TEMPLATES)
        for (const part of TEMPLATE_PARTS) {
          try {
            compile(template, part);
          } catch (error) {
            problems.push(error instanceof TemplateError ? error : new TemplateError(messageOf(error)));
          }
        }
      if (overrideDir !== undefined) {
        const expected = new Set(NOTIFICATION_TEMPLATES.flatMap((t) => TEMPLATE_PARTS.map((p) => `${t}/${p}.hbs`)));
        for (const entry of readdirSync(overrideDir, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile()) continue;
          const file = path.join(entry.parentPath, entry.name);
          const relative = path.relative(overrideDir, file).split(path.sep).join('/');
          if (!expected.has(relative))
            problems.push(
              new TemplateError(
                `${file} in the mail template directory replaces no template (expected <template>/{subject,text,html}.hbs with template one of ${NOTIFICATION_TEMPLATES.join(', ')})`,
                file,
              ),
            );
        }
      }
      return problems;
    },

    files(template) {
      return { subject: fileOf(template, 'subject'), text: fileOf(template, 'text'), html: fileOf(template, 'html') };
    },
  };
}

function isMoney(value: unknown): value is Money {
  if (typeof value !== 'object' || value === null) return false;
  const { amount, currency } = value as Record<string, unknown>;
  return typeof amount === 'number' && typeof currency === 'string';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
