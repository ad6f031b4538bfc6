import type { Page } from 'playwright-core';

/** What the seeded system holds that a screen's address names (scripts/screenshots/seed.ts makes it). */
export interface ScreenContext {
  /** An order waiting for an approver. */
  approvalOrder: string;
  /** A delivered order with a refund and a return waiting for its goods. */
  afterSalesOrder: string;
  /** The webhook subscription whose deliveries are logged. */
  webhookId: string;
}

/**
 * One picture of the console for the README: docs/screenshots/<name>.png. Every screen main.js routes to has one
 * (test/unit/console-screenshots.test.ts checks it against main.js, the warehouse tabs and the reports).
 */
export interface ConsoleScreen {
  name: string;
  /** The console's address; '' with `signedOut` is the sign-in form. */
  hash: (context: ScreenContext) => string;
  signedOut?: boolean;
  /** Shown once this selector is on screen. */
  ready: string;
  /** Its name and what it is for, as the README shows them above the picture. */
  title: string;
  caption: string;
  /** Before the picture: open a form, scroll to a card. */
  prepare?: (page: Page) => Promise<void>;
  /** How long drawing goes on after `ready` (Chart.js animates its charts). */
  settleMs?: number;
}

const report = (id: string, title: string, caption: string): ConsoleScreen => ({
  name: `reports-${id}`,
  title: `Reports: ${title}`,
  hash: () => `#reports/${id}`,
  ready: `[data-report-body=${id}] table`,
  caption,
  settleMs: 1_500,
});

export const SCREENS: ConsoleScreen[] = [
  {
    name: 'sign-in',
    title: 'Sign in',
    hash: () => '',
    signedOut: true,
    ready: 'input[name=apiKey]',
    caption: 'Sign in with an API key; it stays in the tab, and its role decides what the console offers.',
  },
  {
    name: 'queue',
    title: 'Queues',
    hash: () => '#queue/approval',
    ready: 'table[data-queue=approval] tbody tr',
    caption:
      'A queue (here: awaiting approval), with every queue and its count in the sidebar: the orders waiting for someone.',
  },
  {
    name: 'orders',
    title: 'Orders',
    hash: () => '#orders',
    ready: 'table.orders-list tbody tr',
    caption: 'Every order: search, filters kept in the address, the queues as presets, CSV export, bulk actions.',
  },
  {
    name: 'order',
    title: 'An order',
    hash: (context) => `#order/${context.approvalOrder}`,
    ready: '.order-head .badge[data-status=AWAITING_APPROVAL]',
    caption: "An order's page with the actions its status and the key's role allow; here an approver's approve form.",
    async prepare(page) {
      await page.click('#actions button[data-action=approve]');
      await page.fill('textarea[name=note]', 'Budget confirmed with Acme purchasing');
    },
  },
  {
    name: 'order-after-sales',
    title: "An order's money and returns",
    hash: (context) => `#order/${context.afterSalesOrder}`,
    ready: 'table.returns',
    caption: "Further down an order's page: payments with a refund, invoices and credit notes (PDF), a return.",
    async prepare(page) {
      await page.locator('table.payments').evaluate((table) => table.closest('.card')?.scrollIntoView());
    },
  },
  {
    name: 'pick-lists',
    title: 'Pick lists',
    hash: () => '#warehouse/pick-lists',
    ready: '.pick-list',
    caption:
      'Open pick lists by warehouse and wave, confirmed with the picked quantities (a lower one is a short pick).',
  },
  {
    name: 'stock',
    title: 'Stock',
    hash: () => '#warehouse/stock',
    ready: 'table.stock tbody tr',
    caption: 'Stock per warehouse and SKU with low and out flags, and the receipt and adjustment forms.',
  },
  {
    name: 'ledger',
    title: 'Stock ledger',
    hash: () => '#warehouse/ledger',
    ready: 'table.ledger tbody tr',
    caption: 'The stock ledger: every movement, newest first, by SKU, warehouse and order.',
  },
  report('sales', 'sales', 'Sales per day or week, with the period under way and the next projected.'),
  report('products', 'products', 'Units ordered, shipped and returned per SKU.'),
  report('customers', 'customers', 'Revenue, returns and open receivables per customer.'),
  report('payments', 'payments', "Payment reconciliation: every order's money, any discrepancy first."),
  report('status', 'orders by status', 'How many orders were in each status, day by day.'),
  {
    name: 'webhooks',
    title: 'Webhooks',
    hash: () => '#webhooks',
    ready: 'table.webhooks tbody tr',
    caption: 'Admins: webhook subscriptions (create, pause, resume, delete), each with its delivery log.',
  },
  {
    name: 'webhook-deliveries',
    title: 'Delivery log',
    hash: (context) => `#webhooks/${context.webhookId}`,
    ready: 'table.deliveries tbody tr',
    caption: "Admins: one subscription's deliveries with every attempt, filtered by status, redelivered on demand.",
  },
  {
    name: 'audit',
    title: 'Audit log',
    hash: () => '#audit',
    ready: 'table.audit tbody tr',
    caption: 'Admins: the audit log, every change that succeeded and who made it, by order, actor and time.',
  },
];
