// The Audit log screen (#audit or #audit/<orderId>, admins): every change that succeeded, who made it and to what,
// filtered by order, actor id and time.
import { dateTime, h, mount, words } from '../../dom.js';
import { api } from '../api.js';
import { redraw } from '../keyboard.js';
import { orderLink, pageHead, problemNotice } from '../ui.js';

/** Kept while the page lives, so that opening an order from the log and coming back keeps the filters. */
const auditFilters = { orderId: '', actor: '', since: '' };

/** The audit log in `content`, filtered by `orderId` when given (an order's "Audit log of this order" link). */
export function showAudit(content, orderId) {
  if (orderId) Object.assign(auditFilters, { orderId, actor: '', since: '' });
  let items = null;
  let cursor = null;
  let message = null;

  async function load(more = false) {
    const query = new URLSearchParams({ limit: '50' });
    if (auditFilters.orderId) query.set('orderId', auditFilters.orderId);
    if (auditFilters.actor) query.set('actor', auditFilters.actor);
    // datetime-local is the browser's local time without an offset; the API wants one.
    const since = auditFilters.since ? new Date(auditFilters.since) : null;
    if (since && !Number.isNaN(since.getTime())) query.set('since', since.toISOString());
    if (more && cursor) query.set('cursor', cursor);
    try {
      const page = await api('GET', `/v1/audit?${query}`);
      items = more ? [...items, ...page.items] : page.items;
      cursor = page.nextCursor;
      message = null;
    } catch (problem) {
      message = problemNotice(problem);
      if (!message) return;
    }
    render();
  }

  const input = (name, attributes) =>
    h('input', {
      name,
      value: auditFilters[name],
      ...attributes,
      oninput: (event) => (auditFilters[name] = event.target.value.trim()),
    });
  const filters = h(
    'form',
    {
      class: 'card filters',
      dataset: { form: 'audit-filters' },
      onsubmit: (event) => {
        event.preventDefault();
        load();
      },
    },
    h('label', {}, 'Order', input('orderId', { placeholder: 'ORD-…' })),
    h('label', {}, 'Actor id', input('actor', { placeholder: 'an API key id, cli, …' })),
    h('label', {}, 'Since', input('since', { type: 'datetime-local' })),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h(
        'button',
        {
          type: 'button',
          class: 'ghost',
          onclick: () => {
            Object.assign(auditFilters, { orderId: '', actor: '', since: '' });
            for (const field of filters.querySelectorAll('input')) field.value = '';
            load();
          },
        },
        'Clear',
      ),
    ),
  );
  const holder = h('div', { class: 'card' });

  function render() {
    mount(holder, table());
    // The filters are drawn again too: the focus stays in the field where Enter was pressed.
    redraw(
      content,
      pageHead('Audit log', 'Every change that succeeded, newest first: who made it, what it did, and to what.'),
      filters,
      message,
      holder,
    );
  }

  function table() {
    if (items === null) return h('p', { class: 'empty' }, message ? 'Nothing to show.' : 'Loading…');
    if (items.length === 0) return h('p', { class: 'empty' }, 'No entries match.');
    return [
      h(
        'table',
        { class: 'audit' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Time', 'Actor', 'Action', 'Target', 'Order', 'Detail'].map((title) => h('th', {}, title)),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((entry) =>
            h(
              'tr',
              { dataset: { auditId: entry.id, action: entry.action } },
              h('td', { title: entry.at }, dateTime(entry.at)),
              h(
                'td',
                { class: 'actor' },
                h('div', {}, words(entry.actor?.type ?? 'unknown'), entry.actor?.role ? ` · ${entry.actor.role}` : ''),
                entry.actor?.id ? h('div', { class: 'muted mono' }, entry.actor.id) : null,
              ),
              h(
                'td',
                {},
                h('code', {}, entry.action),
                entry.status ? h('div', { class: 'muted' }, `HTTP ${entry.status}`) : null,
              ),
              h(
                'td',
                {},
                entry.targetType ? h('div', {}, words(entry.targetType)) : null,
                entry.targetId ? h('div', { class: 'mono' }, entry.targetId) : null,
              ),
              h('td', {}, orderLink(entry.orderId)),
              h(
                'td',
                {},
                entry.detail
                  ? h(
                      'details',
                      {},
                      h('summary', {}, 'show'),
                      h('pre', { class: 'detail' }, JSON.stringify(entry.detail, null, 2)),
                    )
                  : null,
              ),
            ),
          ),
        ),
      ),
      cursor
        ? h('div', { class: 'body' }, h('button', { type: 'button', onclick: () => load(true) }, 'Load more'))
        : null,
    ];
  }

  render();
  load();
}
