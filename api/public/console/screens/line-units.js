// The units-per-line table of the order page's forms that send shipped units as `lines: [{sku, quantity}]` (refund
// by lines in order-actions.js, open a return in order-returns.js): each line's limit beside an input that cannot
// go past it.
import { h, mount } from '../../dom.js';
import { notice } from '../ui.js';

/**
 * A table of the shipped lines of the order page `page`'s order (`{order, names}`) for `action` ('refund', 'return'):
 * each row names the SKU and its product, shows `columns` (`[title, value(line)]`, the numbers behind the limit) and
 * takes 0 to `limitOf(line)` units; a line with no units left is disabled. A number above the limit is refused by the
 * browser before anything is sent, saying `tooMany(line, limit)`. Answers `{table, enable(on), read(problemBox)}`:
 * `read` answers the lines given units, or null after showing in `problemBox` that none were.
 */
export function lineUnitsTable(page, { action, columns, limitOf, tooMany }) {
  const lines = page.order.lines.filter((line) => line.shippedQuantity > 0);
  const rows = lines.map((line) => {
    const limit = limitOf(line);
    const input = h('input', {
      type: 'number',
      min: 0,
      max: limit,
      step: 1,
      value: 0,
      name: `${action}-${line.sku}`,
      'aria-label': `Units of ${line.sku} to ${action}`,
      disabled: limit === 0,
    });
    input.addEventListener('input', () =>
      input.setCustomValidity(Number(input.value) > limit ? tooMany(line, limit) : ''),
    );
    return { line, limit, input };
  });
  const table = h(
    'table',
    { class: `${action}-lines` },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'SKU'),
        columns.map(([title]) => h('th', { class: 'num' }, title)),
        h('th', {}, `${action[0].toUpperCase()}${action.slice(1)} units`),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map(({ line, input }) =>
        h(
          'tr',
          { dataset: { line: line.sku } },
          h(
            'td',
            {},
            h('span', { class: 'mono' }, line.sku),
            ' ',
            h('span', { class: 'muted' }, page.names.get(line.sku) ?? ''),
          ),
          columns.map(([title, value]) =>
            h('td', { class: 'num', dataset: { units: title.toLowerCase() } }, value(line)),
          ),
          h('td', {}, input),
        ),
      ),
    ),
  );
  return {
    table,
    /** Turns the inputs on (the lines with units left) or off. */
    enable(on) {
      for (const row of rows) row.input.disabled = !on || row.limit === 0;
    },
    read(problemBox) {
      const chosen = rows
        .map(({ line, input }) => ({ sku: line.sku, quantity: Number(input.value) }))
        .filter((line) => line.quantity > 0);
      if (chosen.length) return chosen;
      mount(problemBox, notice('error', h('strong', {}, `Enter the units to ${action} on at least one line`)));
      return null;
    },
  };
}
