/**
 * The text of an uncompressed PDF drawn with a standard font (as documents/invoice-pdf.ts writes it): each
 * `[<hex> kerning <hex>] TJ` operation becomes one line.
 */
export function pdfText(pdf: Buffer): string[] {
  const source = pdf.toString('latin1');
  const lines: string[] = [];
  for (const match of source.matchAll(/\[((?:\s*<[0-9a-fA-F]*>\s*-?[\d.]*)+)\]\s*TJ/g)) {
    const text = [...match[1].matchAll(/<([0-9a-fA-F]*)>/g)]
      .map((hex) => Buffer.from(hex[1], 'hex').toString('latin1'))
      .join('');
    lines.push(text);
  }
  return lines;
}
