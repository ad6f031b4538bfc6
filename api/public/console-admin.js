// The console's admin screens: webhook subscriptions with their delivery log, and the audit log. The API refuses
// them to other roles (403); the console only leaves them out of its navigation.
import { dateTime, h, mount, toneBadge, words } from './dom.js';

/** SPEC section 6's event types; "*" subscribes to all of them, including types added later. */
export const EVENT_TYPES = [
  'order.created',
  'order.status_changed',
  'order.cancelled',
  'order.held',
  'shipment.shipped',
  'shipment.delivered',
  'invoice.issued',
  'refund.created',
  'return.opened',
  'return.settled',
];

const DELIVERY_TONES = { pending: 'wait', delivered: 'done', failed: 'bad' };

/** Who made a change (`{type, id?, role?}`) in words; null when there is no actor (older timeline entries). */
export function actorLabel(actor) {
  if (!actor || typeof actor !== 'object' || !actor.type) return null;
  if (actor.type === 'api_key')
    return [actor.role ? `${actor.role} key` : 'API key', actor.id].filter(Boolean).join(' ');
  if (actor.type === 'carrier_signature') return 'carrier (signed request)';
  if (actor.type === 'system') return actor.id ? `system (${actor.id})` : 'system';
  return [words(actor.type), actor.id, actor.role].filter(Boolean).join(' ');
}

const orderLink = (orderId) =>
  orderId
    ? h('a', { href: `#order/${encodeURIComponent(orderId)}`, class: 'mono', dataset: { orderLink: orderId } }, orderId)
    : '—';

function pageHead(title, hint, ...buttons) {
  return h(
    'div',
    { class: 'page-head' },
    h('div', {}, h('h1', {}, title), h('p', { class: 'muted' }, hint)),
    h('div', { class: 'actions' }, buttons),
  );
}

/**
 * What every screen here shares: `tools` is the console's `{api, notice, describe, signOut, every}`. A rejected key
 * signs out; any other problem becomes an error notice (null after signing out).
 */
function screen(tools) {
  const { api, notice, describe, signOut } = tools;
  const problemNotice = (problem, action) => {
    if (problem.status === 401) {
      signOut('Your key is no longer accepted. Sign in again.');
      return null;
    }
    return notice('error', ...describe(problem, action));
  };
  return { api, notice, problemNotice, every: tools.every };
}

// ---------- Webhook subscriptions ----------

export function showWebhooks(content, tools) {
  const { api, notice, problemNotice } = screen(tools);
  let items = null;
  let message = null; // the last action's result or problem
  let created = null; // the subscription just created, with its secret: shown until dismissed or the page is left
  let form = null; // the open "new subscription" form, kept across renders so that what was typed survives an error
  let confirming = null; // the subscription whose deletion waits for a second click

  async function load() {
    try {
      items = (await api('GET', '/v1/webhooks')).items;
    } catch (problem) {
      message = problemNotice(problem);
      if (!message) return;
    }
    render();
  }

  /** Runs one change; answers the API's answer, or undefined after showing why it failed. */
  async function act(action, method, path, body, success) {
    for (const button of content.querySelectorAll('button')) button.disabled = true;
    let answer;
    try {
      answer = await api(method, path, body);
      const text = success(answer);
      message = text ? notice('ok', h('strong', {}, text)) : null;
    } catch (problem) {
      message = problemNotice(problem, action);
      if (!message) return undefined;
    }
    confirming = null;
    await load();
    return answer;
  }

  function render() {
    mount(
      content,
      pageHead(
        'Webhooks',
        'Subscriptions of other systems to order events, each signed with its own secret, with the log of every delivery.',
        h(
          'button',
          {
            type: 'button',
            class: form ? 'primary pressed' : 'primary',
            dataset: { action: 'new-webhook' },
            onclick: () => {
              form = form ? null : newForm();
              render();
              form?.querySelector('input')?.focus();
            },
          },
          'New subscription',
        ),
        h('button', { type: 'button', onclick: () => load() }, 'Refresh'),
      ),
      message,
      secretNotice(),
      form ? h('div', { class: 'card' }, h('header', {}, h('h2', {}, 'New subscription')), form) : null,
      h('div', { class: 'card' }, table()),
    );
  }

  function secretNotice() {
    if (!created) return null;
    const copied = h('span', { class: 'muted', role: 'status' });
    return notice(
      'ok',
      h('strong', {}, `Subscription ${created.id} created. Copy its signing secret now: it is shown only this once.`),
      h(
        'div',
        { class: 'secret-row' },
        h('code', { class: 'secret', dataset: { secret: created.id } }, created.secret),
        h(
          'button',
          {
            type: 'button',
            onclick: async () => {
              try {
                await navigator.clipboard.writeText(created.secret);
                mount(copied, 'Copied.');
              } catch {
                mount(copied, 'The browser refused to copy: select the secret and copy it by hand.');
              }
            },
          },
          'Copy',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            onclick: () => {
              created = null;
              render();
            },
          },
          'Done, hide it',
        ),
      ),
      copied,
      h('span', {}, 'The receiver checks each request’s webhook-signature header with it (Standard Webhooks).'),
    );
  }

  function newForm() {
    const url = h('input', {
      type: 'url',
      name: 'url',
      required: true,
      maxlength: 2000,
      placeholder: 'https://erp.example.com/oms-events',
    });
    const all = h('input', { type: 'checkbox', name: 'events', value: '*' });
    const boxes = EVENT_TYPES.map((type) => h('input', { type: 'checkbox', name: 'events', value: type }));
    all.addEventListener('change', () => {
      for (const box of boxes) box.disabled = all.checked;
    });
    const description = h('input', { name: 'description', maxlength: 500, placeholder: 'Optional: who receives it' });
    const problem = h('div');
    return h(
      'form',
      {
        class: 'action-form',
        dataset: { form: 'new-webhook' },
        onsubmit: async (event) => {
          event.preventDefault();
          const events = all.checked ? ['*'] : boxes.filter((box) => box.checked).map((box) => box.value);
          if (events.length === 0)
            return mount(problem, notice('error', h('strong', {}, 'Choose at least one event type, or all of them.')));
          mount(problem);
          const answer = await act(
            'Create subscription',
            'POST',
            '/v1/webhooks',
            {
              url: url.value.trim(),
              events,
              ...(description.value.trim() ? { description: description.value.trim() } : {}),
            },
            () => null, // the secret notice says it
          );
          if (answer) {
            created = answer;
            form = null;
            render();
          }
        },
      },
      h('label', {}, 'URL', url),
      h(
        'fieldset',
        { class: 'event-choice' },
        h('legend', {}, 'Events'),
        h('label', { class: 'inline all' }, all, 'All events, also types added later'),
        boxes.map((box) => h('label', { class: 'inline' }, box, h('code', {}, box.value))),
      ),
      h('label', {}, 'Description', description),
      problem,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', dataset: { confirm: 'new-webhook' } }, 'Create subscription'),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            onclick: () => {
              form = null;
              render();
            },
          },
          'Close',
        ),
      ),
    );
  }

  function table() {
    if (items === null) return h('p', { class: 'empty' }, 'Loading…');
    if (items.length === 0) return h('p', { class: 'empty' }, 'No subscriptions yet.');
    return h(
      'table',
      { class: 'webhooks' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['URL', 'Events', 'Description', 'State', ''].map((title) => h('th', {}, title)),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((subscription) => {
          const path = `/v1/webhooks/${encodeURIComponent(subscription.id)}`;
          return h(
            'tr',
            { dataset: { webhookId: subscription.id } },
            h(
              'td',
              {},
              h('div', { class: 'mono url' }, subscription.url),
              h('div', { class: 'muted mono' }, subscription.id),
            ),
            h(
              'td',
              {},
              subscription.events.includes('*')
                ? h('b', {}, 'all events')
                : subscription.events.map((type) => h('div', {}, h('code', {}, type))),
            ),
            h('td', {}, subscription.description ?? h('span', { class: 'muted' }, '—')),
            h(
              'td',
              {},
              toneBadge(subscription.active ? 'active' : 'paused', subscription.active ? 'done' : 'off'),
              subscription.active ? null : h('div', { class: 'muted' }, 'events wait until it resumes'),
            ),
            h(
              'td',
              { class: 'row-actions' },
              h('a', { class: 'button', href: `#webhooks/${encodeURIComponent(subscription.id)}` }, 'Deliveries'),
              h(
                'button',
                {
                  type: 'button',
                  dataset: { action: subscription.active ? 'pause' : 'resume' },
                  onclick: () =>
                    act(
                      subscription.active ? 'Pause' : 'Resume',
                      'PATCH',
                      path,
                      { active: !subscription.active },
                      (answer) =>
                        answer.active
                          ? `Resumed ${answer.id}: the events that waited go out now.`
                          : `Paused ${answer.id}: its events wait until it resumes.`,
                    ),
                },
                subscription.active ? 'Pause' : 'Resume',
              ),
              confirming === subscription.id
                ? h(
                    'span',
                    { class: 'confirm' },
                    h('span', {}, 'Delete it and its delivery log?'),
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'danger solid',
                        dataset: { confirm: 'delete' },
                        onclick: () =>
                          act('Delete', 'DELETE', path, undefined, () => `Deleted ${subscription.id}.`).then(() => {
                            if (created?.id === subscription.id) created = null;
                            render();
                          }),
                      },
                      'Delete',
                    ),
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'ghost',
                        onclick: () => {
                          confirming = null;
                          render();
                        },
                      },
                      'Keep',
                    ),
                  )
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger',
                      dataset: { action: 'delete' },
                      onclick: () => {
                        confirming = subscription.id;
                        render();
                      },
                    },
                    'Delete',
                  ),
            ),
          );
        }),
      ),
    );
  }

  render();
  load();
}

// ---------- One subscription's delivery log ----------

export function showDeliveries(content, tools, subscriptionId) {
  const { api, notice, problemNotice, every } = screen(tools);
  const path = `/v1/webhooks/${encodeURIComponent(subscriptionId)}`;
  let subscription = null;
  let items = null;
  let cursor = null;
  let pages = 0;
  let status = '';
  let message = null;
  let busy = false;

  async function load(more = false) {
    busy = true;
    try {
      const query = new URLSearchParams({ limit: '50' });
      if (status) query.set('status', status);
      if (more && cursor) query.set('cursor', cursor);
      const [read, page] = await Promise.all([api('GET', path), api('GET', `${path}/deliveries?${query}`)]);
      subscription = read;
      items = more ? [...items, ...page.items] : page.items;
      cursor = page.nextCursor;
      pages = more ? pages + 1 : 1;
    } catch (problem) {
      message = problemNotice(problem);
      if (!message) return;
    } finally {
      busy = false;
    }
    render();
  }

  async function redeliver(delivery) {
    for (const button of content.querySelectorAll('button')) button.disabled = true;
    try {
      await api('POST', `${path}/deliveries/${encodeURIComponent(delivery.id)}/redeliver`, {});
      message = notice(
        'ok',
        h('strong', {}, `Delivery ${delivery.id} goes out again`),
        h('span', {}, `${delivery.eventType} of ${delivery.orderId}, as soon as a dispatcher is free.`),
      );
    } catch (problem) {
      message = problemNotice(problem, 'Redeliver');
      if (!message) return;
    }
    await load();
  }

  function render() {
    const filter = h(
      'select',
      {
        name: 'status',
        'aria-label': 'Status',
        onchange: (event) => {
          status = event.target.value;
          load();
        },
      },
      ['', 'pending', 'delivered', 'failed'].map((value) =>
        h('option', { value, selected: value === status }, value ? words(value) : 'All statuses'),
      ),
    );
    mount(
      content,
      h('a', { href: '#webhooks' }, '← Webhooks'),
      pageHead(
        'Delivery log',
        subscription
          ? [
              h('span', { class: 'mono' }, subscription.url),
              ` · ${subscription.events.includes('*') ? 'all events' : subscription.events.join(', ')}`,
              subscription.active ? '' : ' · paused: its events wait until it resumes',
            ]
          : subscriptionId,
        filter,
        h('button', { type: 'button', onclick: () => load() }, 'Refresh'),
      ),
      message,
      h('div', { class: 'card' }, table()),
    );
  }

  function table() {
    if (items === null) return h('p', { class: 'empty' }, message ? 'Nothing to show.' : 'Loading…');
    if (items.length === 0)
      return h('p', { class: 'empty' }, status ? `No ${status} deliveries.` : 'No deliveries yet.');
    return [
      h(
        'table',
        { class: 'deliveries' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Created', 'Event', 'Order', 'Seq', 'Status', 'Attempts', 'Next attempt', ''].map((title) =>
              h('th', { class: title === 'Seq' ? 'num' : '' }, title),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((delivery) =>
            h(
              'tr',
              { dataset: { deliveryId: delivery.id, status: delivery.status } },
              h('td', { title: delivery.createdAt }, dateTime(delivery.createdAt)),
              h('td', {}, h('code', {}, delivery.eventType), h('div', { class: 'muted mono' }, delivery.eventId)),
              h('td', {}, orderLink(delivery.orderId)),
              h('td', { class: 'num' }, delivery.sequence),
              h('td', {}, toneBadge(delivery.status, DELIVERY_TONES[delivery.status])),
              h('td', {}, attempts(delivery.attempts)),
              h(
                'td',
                {},
                delivery.nextAttemptAt
                  ? dateTime(delivery.nextAttemptAt)
                  : delivery.deliveredAt
                    ? h('span', { class: 'muted' }, `delivered ${dateTime(delivery.deliveredAt)}`)
                    : '—',
              ),
              h(
                'td',
                {},
                h(
                  'button',
                  { type: 'button', dataset: { action: 'redeliver' }, onclick: () => redeliver(delivery) },
                  'Redeliver',
                ),
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

  function attempts(list) {
    if (!list?.length) return h('span', { class: 'muted' }, 'none yet');
    return h(
      'ol',
      { class: 'attempts' },
      list.map((attempt) =>
        h(
          'li',
          { dataset: { attempt: attempt.attempt } },
          h(
            'span',
            { class: attempt.statusCode >= 200 && attempt.statusCode < 300 ? 'ok' : 'bad' },
            attempt.statusCode ?? 'no answer',
          ),
          ` · ${attempt.durationMs} ms · `,
          h('time', { title: attempt.at }, dateTime(attempt.at)),
          attempt.error ? h('div', { class: 'error' }, attempt.error) : null,
        ),
      ),
    );
  }

  render();
  load();
  // New deliveries and retries show up by themselves while only the first page is loaded.
  every(5_000, () => pages === 1 && !busy && load());
}

// ---------- Audit log ----------

/** Kept while the page lives, so that opening an order from the log and coming back keeps the filters. */
const auditFilters = { orderId: '', actor: '', since: '' };

export function showAudit(content, tools, orderId) {
  const { api, problemNotice } = screen(tools);
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
    mount(
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
