import type { RunCatalog } from './catalog';
import type { Findings } from './findings';
import type { OrderAgent } from './order-agent';
import type { Requester } from './requests';
import {
  isTerminal,
  SETTLED_RETURN,
  type CreditNoteView,
  type LedgerRowView,
  type OrderView,
  type ReturnView,
  type StockLevelView,
} from './views';

/** The API answers at most this many ledger rows, newest first, without paging. */
const LEDGER_PAGE = 500;

/**
 * What must hold of every order once the run has driven it to rest, read back through the API (SPEC section 3):
 * terminal, returns settled, line quantities consistent, refunds within the charge with one credit note each,
 * nothing reserved. Each broken rule is a violation naming the order.
 */
export async function checkOrdersAtRest(agents: readonly OrderAgent[], requester: Requester): Promise<void> {
  for (const agent of agents) if (agent.id) await checkOrder(agent, requester);
}

async function checkOrder(agent: OrderAgent, requester: Requester): Promise<void> {
  const { findings } = requester;
  const add = (check: string, message: string) => findings.add({ check, orderId: agent.id, message });
  const view = await agent.observe();
  if (!view) return add('not-at-rest', 'the order could not be read back');
  if (!isTerminal(view.status))
    add('not-at-rest', `the order is ${view.status}, not COMPLETED, CANCELLED or REJECTED, when the run ended`);

  for (const opened of agent.returns.values()) {
    const current = await agent.send<ReturnView>({
      method: 'GET',
      path: `/v1/returns/${encodeURIComponent(opened.id)}`,
      as: 'support',
    });
    if (current.status === 200 && !SETTLED_RETURN.includes(current.body.status))
      add('return-not-settled', `return ${opened.id} is ${current.body.status}, not REFUNDED, EXCHANGED or CLOSED`);
  }

  checkLines(view, add);
  const refundedUnits = await creditedUnits(agent, view);
  for (const line of view.lines) {
    const refunded = refundedUnits.get(line.sku) ?? 0;
    if (refunded > line.shippedQuantity)
      add('refunded-units', `${line.sku}: credit notes refund ${refunded} units, but ${line.shippedQuantity} shipped`);
  }
  for (const [sku, units] of refundedUnits)
    if (!view.lines.some((line) => line.sku === sku))
      add('refunded-units', `credit notes refund ${units} units of ${sku}, which is not on the order`);
  checkMoney(agent, view, add);
}

function checkLines(view: OrderView, add: (check: string, message: string) => void): void {
  const terminal = isTerminal(view.status);
  for (const line of view.lines) {
    const counts = `quantity ${line.quantity}, approved ${line.approvedQuantity}, reserved ${line.reservedQuantity}, picked ${line.pickedQuantity}, shipped ${line.shippedQuantity}, delivered ${line.deliveredQuantity}, returned ${line.returnedQuantity}, cancelled ${line.cancelledQuantity}`;
    const broken = (rule: string) => add('line-quantities', `${line.sku}: ${rule} (${counts})`);
    if (line.approvedQuantity > line.quantity) broken('approved above ordered');
    for (const [name, value] of [
      ['reserved', line.reservedQuantity],
      ['picked', line.pickedQuantity],
      ['shipped', line.shippedQuantity],
    ] as const)
      if (value > line.approvedQuantity) broken(`${name} above approved`);
    if (line.deliveredQuantity > line.shippedQuantity) broken('delivered above shipped');
    if (line.returnedQuantity > line.shippedQuantity) broken('returned above shipped');
    if (terminal && line.reservedQuantity !== 0) broken('still reserved at rest');
    if (
      (view.status === 'COMPLETED' || view.status === 'CANCELLED') &&
      line.shippedQuantity + line.cancelledQuantity !== line.quantity
    )
      broken(`shipped + cancelled is not the ordered quantity on a ${view.status} order`);
    if (view.status === 'REJECTED' && line.shippedQuantity > 0) broken('shipped on a REJECTED order');
  }
}

/** Units refunded per SKU, from the order's credit notes' lines (an amount refund has none). */
async function creditedUnits(agent: OrderAgent, view: OrderView): Promise<Map<string, number>> {
  const units = new Map<string, number>();
  for (const note of view.invoices.filter((invoice) => invoice.kind === 'credit_note')) {
    const answer = await agent.send<CreditNoteView>({
      method: 'GET',
      path: `/v1/invoices/${encodeURIComponent(note.number)}`,
      as: 'support',
    });
    if (answer.status !== 200) continue;
    for (const line of answer.body.lines ?? []) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
  }
  return units;
}

function checkMoney(agent: OrderAgent, view: OrderView, add: (check: string, message: string) => void): void {
  const creditNotes = view.invoices.filter((invoice) => invoice.kind === 'credit_note');
  const credited = agent.credited(view);
  const invoiced = view.invoices
    .filter((invoice) => invoice.kind === 'invoice')
    .reduce((total, invoice) => total + invoice.total, 0);
  if (credited > invoiced) add('refunds-within-charge', `credit notes total ${credited}, invoices ${invoiced}`);
  for (const invoice of view.invoices.filter((candidate) => candidate.kind === 'invoice'))
    if (invoice.amountPaid + invoice.amountCredited > invoice.total)
      add(
        'receivables',
        `${invoice.number}: paid ${invoice.amountPaid} and credited ${invoice.amountCredited}, more than its total ${invoice.total}`,
      );
  if (view.payment.method === 'card') {
    const captured = agent.charged(view);
    const refunds = view.payments.filter((payment) => payment.kind === 'refund' && payment.status === 'succeeded');
    const refunded = refunds.reduce((total, payment) => total + payment.amount, 0);
    if (refunded > captured) add('refunds-within-charge', `refunded ${refunded} to the card, captured ${captured}`);
    if (refunds.length !== creditNotes.length)
      add(
        'one-credit-note-per-refund',
        `${refunds.length} card refunds, ${creditNotes.length} credit notes (${creditNotes.map((note) => note.number).join(', ') || 'none'})`,
      );
  }
  // Every refund the system accepted has its credit note on the order.
  const numbers = new Set(creditNotes.map((note) => note.number));
  for (const [refundId, refund] of agent.refunds)
    if (!numbers.has(refund.creditNote))
      add(
        'one-credit-note-per-refund',
        `refund ${refundId} was accepted with credit note ${refund.creditNote}, not on the order`,
      );
  // Credit notes come from the refunds accepted and the returns refunded; more would be a refund made twice.
  const returnRefunds = [...agent.returns.values()].length;
  const atMost = agent.refunds.size + returnRefunds + agent.uncertainRefunds;
  if (creditNotes.length > atMost)
    add(
      'one-credit-note-per-refund',
      `${creditNotes.length} credit notes, but only ${agent.refunds.size} refunds were accepted and ${returnRefunds} returns opened`,
    );
}

/**
 * The run's own SKUs at rest: nothing reserved, and the ledger's movements add up to each stock row (when the API's
 * one page holds them all; the database checks cover the rest).
 */
export async function checkRunStock(requester: Requester, catalog: RunCatalog, allAtRest: boolean): Promise<string[]> {
  const notes: string[] = [];
  const { findings } = requester;
  for (const sku of [...Object.values(catalog.skus), catalog.foreign]) {
    const levels = await requester.call<{ items: StockLevelView[] }>({
      method: 'GET',
      path: `/v1/inventory?sku=${encodeURIComponent(sku)}`,
      as: 'warehouse',
    });
    if (levels.status !== 200) continue;
    for (const level of levels.body.items) {
      if (allAtRest && level.reserved !== 0)
        findings.add({
          check: 'stock-at-rest',
          message: `${sku} in ${level.warehouse}: ${level.reserved} reserved with every order at rest`,
        });
      await checkLedger(requester, findings, level, notes);
    }
  }
  return notes;
}

async function checkLedger(
  requester: Requester,
  findings: Findings,
  level: StockLevelView,
  notes: string[],
): Promise<void> {
  const ledger = await requester.call<{ items: LedgerRowView[] }>({
    method: 'GET',
    path: `/v1/inventory/ledger?sku=${encodeURIComponent(level.sku)}&warehouse=${encodeURIComponent(level.warehouse)}&limit=${LEDGER_PAGE}`,
    as: 'warehouse',
  });
  if (ledger.status !== 200) return;
  if (ledger.body.items.length >= LEDGER_PAGE) {
    notes.push(
      `${level.sku}@${level.warehouse}: ${LEDGER_PAGE}+ ledger rows, more than the API's one page: summed by the database checks only`,
    );
    return;
  }
  const onHand = ledger.body.items.reduce((total, row) => total + row.onHandDelta, 0);
  const reserved = ledger.body.items.reduce((total, row) => total + row.reservedDelta, 0);
  if (onHand !== level.onHand || reserved !== level.reserved)
    findings.add({
      check: 'ledger-sums',
      message: `${level.sku} in ${level.warehouse}: the ledger sums to ${onHand} on hand and ${reserved} reserved, the stock row says ${level.onHand} and ${level.reserved}`,
    });
}
