// Pick lists (#warehouse/pick-lists): `GET /v1/pick-lists` grouped by warehouse and wave, in the API's order (wave,
// then highest priority, then oldest), each with its lines; confirming one with the picked quantities (a lower one
// is a short pick, shown as such before it is sent) through `POST /v1/pick-lists/:id/confirm`.
import { badge, dateTime, h, mount, timeAgo, toneBadge } from '../../dom.js';
import { api, productNames } from '../api.js';
import { redraw } from '../keyboard.js';
import { every, notice, orderLink, pageHead, problemNotice } from '../ui.js';
import { warehouseSelect, warehouses } from './warehouse-parts.js';

const REFRESH_MS = 5_000;
/** Kept while the page lives: the filters, and what was typed per line (`listId|sku`). */
const filters = { warehouse: '', status: 'open' };
const drafts = new Map();

/** A line's picked quantity as typed: a whole number from 0 to the line's quantity, else NaN. */
function pickedOf(listId, line) {
  const typed = drafts.get(`${listId}|${line.sku}`);
  if (typed === undefined || typed === '') return typed === '' ? Number.NaN : line.quantity;
  const value = Number(typed);
  return Number.isInteger(value) && value >= 0 && value <= line.quantity ? value : Number.NaN;
}

export function showPickLists(content) {
  const here = location.hash; // a late answer draws nothing once another screen is shown
  let items = null;
  let list = [];
  let seen = ''; // the last answer as JSON: a refresh that changes nothing draws nothing
  let message = null;
  const sending = new Set(); // pick lists whose confirmation is on its way
  const problems = new Map(); // pick list id -> the API's refusal, shown next to its form

  let warehouseFilter = warehouseSelect('warehouse', list, filters.warehouse, 'All warehouses');
  const statusFilter = h(
    'select',
    { name: 'status' },
    ['open', 'confirmed', 'cancelled'].map((status) =>
      h('option', { value: status, selected: status === filters.status }, status),
    ),
  );
  const filterForm = h(
    'form',
    {
      class: 'card filters',
      dataset: { form: 'pick-list-filters' },
      onsubmit: (event) => {
        event.preventDefault();
        load();
      },
      onchange: () => {
        filters.warehouse = warehouseFilter.value;
        filters.status = statusFilter.value;
        load();
      },
    },
    h('label', {}, 'Warehouse', warehouseFilter),
    h('label', {}, 'Status', statusFilter),
    h('div', {}),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Refresh')),
  );
  const answerBox = h('div', { dataset: { pickAnswer: '' } });
  const holder = h('div', { class: 'pick-lists' });

  mount(
    content,
    pageHead(
      'Pick lists',
      `By warehouse and wave; within a wave, highest priority first, then oldest. Refreshes every ${REFRESH_MS / 1000} s.`,
    ),
    filterForm,
    answerBox,
    holder,
  );

  async function load(force = false) {
    const query = new URLSearchParams({ status: filters.status });
    if (filters.warehouse) query.set('warehouse', filters.warehouse);
    try {
      const page = await api('GET', `/v1/pick-lists?${query}`);
      message = null;
      const json = JSON.stringify([query.toString(), page.items]);
      if (!force && json === seen) return;
      seen = json;
      items = page.items;
    } catch (problem) {
      message = problemNotice(problem);
      if (!message) return;
      seen = '';
    }
    await render();
  }

  async function render() {
    const names = await productNames();
    if (location.hash !== here) return;
    // The focus stays on the field being typed in (or the button) across a refresh.
    redraw(holder, message, groups(names));
  }

  function groups(names) {
    if (items === null) return h('div', { class: 'card' }, h('p', { class: 'empty' }, 'Loading…'));
    if (items.length === 0)
      return h('div', { class: 'card' }, h('p', { class: 'empty' }, `No ${filters.status} pick lists.`));
    const byWarehouse = new Map();
    for (const item of items) {
      if (!byWarehouse.has(item.warehouse)) byWarehouse.set(item.warehouse, new Map());
      const waves = byWarehouse.get(item.warehouse);
      if (!waves.has(item.wave)) waves.set(item.wave, []);
      waves.get(item.wave).push(item);
    }
    return [...byWarehouse].map(([code, waves]) => {
      const warehouse = list.find((candidate) => candidate.code === code);
      return h(
        'section',
        { class: 'pick-warehouse', dataset: { warehouse: code } },
        h('h2', {}, code, warehouse ? h('span', { class: 'muted' }, ` · ${warehouse.name}`) : null),
        [...waves].map(([wave, lists]) =>
          h(
            'div',
            { class: 'pick-wave', dataset: { wave } },
            h(
              'h3',
              {},
              'Wave ',
              h('span', { class: 'mono' }, wave),
              h('span', { class: 'muted' }, ` · ${lists.length} list${lists.length === 1 ? '' : 's'}`),
            ),
            lists.map((pickList) => card(pickList, names)),
          ),
        ),
      );
    });
  }

  function card(pickList, names) {
    return h(
      'article',
      { class: 'card pick-list', dataset: { pickList: pickList.id, orderId: pickList.orderId } },
      h(
        'header',
        {},
        h(
          'div',
          { class: 'pick-head' },
          h(
            'span',
            { class: `priority p${pickList.priority}`, title: 'priority (1 highest)' },
            `P${pickList.priority}`,
          ),
          h('strong', { class: 'mono' }, pickList.id),
          h('span', {}, 'order ', orderLink(pickList.orderId)),
          h('span', { class: 'muted', title: dateTime(pickList.createdAt) }, timeAgo(pickList.createdAt)),
        ),
        toneBadge(
          pickList.status,
          pickList.status === 'open' ? 'work' : pickList.status === 'confirmed' ? 'done' : 'off',
        ),
      ),
      pickList.status === 'open' ? confirmForm(pickList, names) : pickedTable(pickList, names),
    );
  }

  function pickedTable(pickList, names) {
    return h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['SKU', 'Product', 'Quantity', 'Picked'].map((title) => h('th', {}, title)),
        ),
      ),
      h(
        'tbody',
        {},
        pickList.lines.map((line) =>
          h(
            'tr',
            { dataset: { sku: line.sku } },
            h('td', { class: 'mono' }, line.sku),
            h('td', {}, names.get(line.sku) ?? ''),
            h('td', { class: 'num' }, line.quantity),
            h(
              'td',
              { class: 'num' },
              line.pickedQuantity ?? '—',
              line.pickedQuantity !== null && line.pickedQuantity < line.quantity
                ? h('span', { class: 'short-note' }, ` short ${line.quantity - line.pickedQuantity}`)
                : null,
            ),
          ),
        ),
      ),
    );
  }

  function confirmForm(pickList, names) {
    const shortBox = h('div', { dataset: { shortSummary: '' } });
    const submit = h('button', { type: 'submit', class: 'primary', disabled: sending.has(pickList.id) }, '');
    const problemBox = h('div', { class: 'pick-problem' }, problems.get(pickList.id));
    const noteOf = new Map();

    // What the form would send, and whether any line is short, shown before it is sent.
    function update() {
      const shorts = [];
      let invalid = false;
      for (const line of pickList.lines) {
        const picked = pickedOf(pickList.id, line);
        const note = noteOf.get(line.sku);
        if (Number.isNaN(picked)) {
          invalid = true;
          mount(note, `0 to ${line.quantity}`);
          note.className = 'short-note';
        } else if (picked < line.quantity) {
          shorts.push({ line, picked });
          mount(note, `short ${line.quantity - picked}`);
          note.className = 'short-note';
        } else {
          mount(note, 'full');
          note.className = 'muted';
        }
      }
      mount(
        shortBox,
        shorts.length
          ? notice(
              'info',
              h('strong', {}, 'Short pick'),
              h(
                'span',
                {},
                shorts
                  .map(
                    ({ line, picked }) =>
                      `${line.sku}: ${picked} of ${line.quantity} (${line.quantity - picked} short)`,
                  )
                  .join('; '),
              ),
              h(
                'span',
                { class: 'detail' },
                'What was not picked is allocated again from another warehouse, or backordered; this warehouse’s on-hand stock is corrected by it.',
              ),
            )
          : null,
      );
      mount(submit, sending.has(pickList.id) ? 'Confirming…' : shorts.length ? 'Confirm short pick' : 'Confirm picked');
      submit.classList.toggle('danger', shorts.length > 0);
      submit.classList.toggle('solid', shorts.length > 0);
      submit.disabled = invalid || sending.has(pickList.id);
      submit.dataset.short = String(shorts.length > 0);
    }

    const rows = pickList.lines.map((line) => {
      const key = `${pickList.id}|${line.sku}`;
      const note = h('span', { class: 'muted' });
      noteOf.set(line.sku, note);
      const input = h('input', {
        type: 'number',
        name: 'pickedQuantity',
        min: 0,
        max: line.quantity,
        step: 1,
        required: true,
        value: drafts.get(key) ?? line.quantity,
        'aria-label': `Picked quantity of ${line.sku}`,
        dataset: { pickLine: key },
        oninput: (event) => {
          drafts.set(key, event.target.value.trim());
          update();
        },
      });
      return h(
        'tr',
        { dataset: { sku: line.sku } },
        h('td', { class: 'mono' }, line.sku),
        h('td', {}, names.get(line.sku) ?? ''),
        h('td', { class: 'num' }, line.quantity),
        h('td', {}, input),
        h('td', {}, note),
      );
    });

    const form = h(
      'form',
      {
        class: 'action-form',
        dataset: { form: 'confirm-pick' },
        onsubmit: async (event) => {
          event.preventDefault();
          const lines = pickList.lines.map((line) => ({ sku: line.sku, pickedQuantity: pickedOf(pickList.id, line) }));
          if (lines.some((line) => Number.isNaN(line.pickedQuantity))) return;
          sending.add(pickList.id);
          problems.delete(pickList.id);
          mount(problemBox);
          update();
          try {
            const reply = await api('POST', `/v1/pick-lists/${encodeURIComponent(pickList.id)}/confirm`, { lines });
            const shorts = lines.filter((line, index) => line.pickedQuantity < pickList.lines[index].quantity);
            const answer = notice(
              'ok',
              h('strong', {}, shorts.length ? `Confirmed ${pickList.id} (short pick)` : `Confirmed ${pickList.id}`),
              h('span', {}, 'order ', orderLink(pickList.orderId), ' is now ', badge(reply.status)),
              h(
                'span',
                { class: 'detail' },
                lines.map((line) => `${line.sku}: ${line.pickedQuantity} picked`).join('; '),
              ),
            );
            answer.dataset.confirmed = pickList.id;
            for (const line of pickList.lines) drafts.delete(`${pickList.id}|${line.sku}`);
            mount(answerBox, answer);
          } catch (problem) {
            const shown = problemNotice(problem, `Confirmation of ${pickList.id}`);
            if (shown) problems.set(pickList.id, shown);
          } finally {
            sending.delete(pickList.id);
          }
          await load(true);
          // A refusal of a list that is no longer shown (cancelled, or confirmed elsewhere) shows above the lists.
          const refusal = problems.get(pickList.id);
          if (refusal && !items?.some((item) => item.id === pickList.id)) {
            problems.delete(pickList.id);
            refusal.dataset.refused = pickList.id;
            mount(answerBox, refusal);
          }
        },
      },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['SKU', 'Product', 'Quantity', 'Picked', ''].map((title) => h('th', {}, title)),
          ),
        ),
        h('tbody', {}, rows),
      ),
      h('p', { class: 'muted' }, 'Picked starts at the full quantity; type a lower number for a short pick.'),
      shortBox,
      problemBox,
      h('div', { class: 'row' }, submit),
    );
    update();
    return form;
  }

  every(REFRESH_MS, () => sending.size === 0 && load());
  render();
  warehouses().then((found) => {
    list = found;
    if (location.hash !== here) return;
    warehouseFilter.replaceWith(
      (warehouseFilter = warehouseSelect('warehouse', list, filters.warehouse, 'All warehouses')),
    );
    load();
  });
}
