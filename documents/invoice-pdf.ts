import PDFDocument from 'pdfkit';
import { formatMoney } from '../domain/money';
import type { Address } from '../domain/order';

export interface InvoiceDocument {
  number: string;
  kind: 'invoice' | 'credit_note';
  issuedAt: Date;
  dueDate: string | null;
  orderId: string;
  customer: { id: string; name: string; address: Address };
  currency: string;
  lines: {
    sku: string;
    quantity: number;
    unitPrice: number;
    discount: number;
    taxRateBps: number;
    tax: number;
    total: number;
  }[];
  subtotal: number;
  discount: number;
  shipping: number;
  tax: number;
  total: number;
  amountPaid: number;
  amountCredited: number;
}

/**
 * Renders an invoice or credit note as a PDF. Built-in Helvetica and no stream compression keep the file small
 * and its text readable by simple tools (the tests read it back).
 */
export function renderInvoicePdf(invoice: InvoiceDocument): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    compress: false,
    info: { Title: `${invoice.kind === 'invoice' ? 'Invoice' : 'Credit note'} ${invoice.number}` },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const money = (amount: number) => formatMoney(amount, invoice.currency);

  doc
    .font('Helvetica-Bold')
    .fontSize(18)
    .text(invoice.kind === 'invoice' ? 'INVOICE' : 'CREDIT NOTE');
  doc.font('Helvetica').fontSize(10).moveDown(0.5);
  doc.text(`Number: ${invoice.number}`);
  doc.text(`Issued: ${invoice.issuedAt.toISOString().slice(0, 10)}`);
  if (invoice.dueDate) doc.text(`Due: ${invoice.dueDate}`);
  doc.text(`Order: ${invoice.orderId}`);
  doc.moveDown();
  doc.font('Helvetica-Bold').text('Bill to');
  const address = invoice.customer.address;
  doc.font('Helvetica').text(`${invoice.customer.name} (${invoice.customer.id})`);
  doc.text(
    [address.line1, address.line2, `${address.city}, ${address.region} ${address.postalCode}`, address.country]
      .filter(Boolean)
      .join('\n'),
  );
  doc.moveDown();

  const columns = [50, 170, 210, 290, 360, 470];
  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    cells.forEach((cell, index) =>
      doc.text(cell, columns[index], y, { width: (columns[index + 1] ?? 545) - columns[index] - 5, lineBreak: false }),
    );
    doc.moveDown();
  };
  row(['SKU', 'Qty', 'Unit price', 'Discount', 'Tax', 'Total'], true);
  for (const line of invoice.lines) {
    row([
      line.sku,
      String(line.quantity),
      money(line.unitPrice),
      money(line.discount),
      `${money(line.tax)} (${(line.taxRateBps / 100).toFixed(2)}%)`,
      money(line.total),
    ]);
  }
  doc.moveDown();
  for (const [label, amount] of [
    ['Subtotal', invoice.subtotal],
    ['Discount', -invoice.discount],
    ['Shipping', invoice.shipping],
    ['Tax', invoice.tax],
    ['Total', invoice.total],
    ...(invoice.kind === 'invoice'
      ? ([
          ['Paid', invoice.amountPaid],
          ['Credited', invoice.amountCredited],
          ['Balance due', invoice.total - invoice.amountPaid - invoice.amountCredited],
        ] as const)
      : []),
  ] as const) {
    row(['', '', '', '', label, money(amount)], label === 'Total');
  }
  doc.end();
  return done;
}
