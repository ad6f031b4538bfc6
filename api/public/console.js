// The support console: work queues and order actions, all through the /v1 API with the user's own key.
import { badge, calendarDate, dateTime, h, money, mount, timeAgo, toMinorUnits, toneBadge, words } from './dom.js';
import { actorLabel, showAudit, showDeliveries, showWebhooks } from './console-admin.js';

const KEY_STORAGE = 'oms.console.apiKey';

/** Orders that stopped without anyone deciding it (a person's rejection or cancellation is not a failure). */
const FAILURE_REASONS = [
  'invalid',
  'approval_timeout',
  'payment_declined',
  'backorder_expired',
  'unavailable',
  'hold_expired',
];

const QUEUES = [
  {
    id: 'approval',
    title: 'Awaiting approval',
    query: 'status=AWAITING_APPROVAL',
    hint: 'Orders beyond a customer or product limit. Highest priority first, then oldest.',
  },
  {
    id: 'held',
    title: 'On hold',
    query: 'status=ON_HOLD',
    hint: 'Orders stopped by support, a risk rule, or a step that failed for good (the reason says which). Release one to go on where it stopped, or cancel it.',
  },
  {
    id: 'backordered',
    title: 'Backordered',
    query: 'status=BACKORDERED',
    hint: 'Orders waiting for stock. Stock receipts resume them; you can resume one by hand.',
  },
  {
    id: 'exceptions',
    title: 'Carrier exceptions',
    query: 'shipmentStatus=exception,lost',
    hint: 'Orders with a shipment whose carrier reported an exception, or that was not delivered in time (lost).',
  },
  {
    id: 'failed',
    title: 'Failed',
    query: `reason=${FAILURE_REASONS.join(',')}`,
    hint: 'Rejected or cancelled without a person deciding it: invalid, approval timed out, payment declined, stock unavailable, backorder expired, hold not released in time.',
  },
];

/** Statuses with something left to ship: cancellation is possible (SPEC: 409 from SHIPPED on), and a hold. */
const HOLDABLE = [
  'PENDING',
  'AWAITING_APPROVAL',
  'AUTHORIZING',
  'BACKORDERED',
  'ALLOCATED',
  'PICKING',
  'PARTIALLY_SHIPPED',
];
const CANCELLABLE = [...HOLDABLE, 'ON_HOLD'];
const TERMINAL = ['COMPLETED', 'REJECTED', 'CANCELLED'];
/** Statuses an edit is refused in (SPEC: until picking starts; a held order is released first). */
const NOT_EDITABLE = [...TERMINAL, 'PICKING', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'ON_HOLD'];
const ADDRESS_FIELDS = [
  ['name', 'Name'],
  ['line1', 'Address line 1'],
  ['line2', 'Address line 2'],
  ['city', 'City'],
  ['region', 'Region'],
  ['postalCode', 'Postal code'],
  ['country', 'Country'],
];

const app = document.getElementById('app');
const sessionBox = document.getElementById('session');
let apiKey = sessionStorage.getItem(KEY_STORAGE);
let lastQueue = QUEUES[0].id;
let lastList = { hash: `#queue/${QUEUES[0].id}`, title: QUEUES[0].title }; // where an order's back link goes
let can = { admin: false, support: false, edit: false }; // what the key may do beyond reading orders (probeAccess)
let accessProbe; // { key, answer }: one probe per key
let timers = [];
let shell;
let countsTimer;

class Problem extends Error {
  constructor(status, body) {
    super(typeof body === 'object' && body?.detail ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = typeof body === 'object' && body ? body : { title: String(body || ''), status };
  }
}

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${apiKey}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new Problem(0, { title: 'Network error', detail: `the API could not be reached (${error.message})` });
  }
  const type = response.headers.get('content-type') || '';
  const data = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new Problem(response.status, data);
  return data;
}

const cache = new Map();
/** Reads that rarely change (customers, products), fetched once per page load. */
function cached(path) {
  if (!cache.has(path))
    cache.set(
      path,
      api('GET', path).catch(() => undefined),
    );
  return cache.get(path);
}
const customerOf = (id) => cached(`/v1/customers/${encodeURIComponent(id)}`);
const productNames = () =>
  cached('/v1/products').then((list) => new Map((list?.items ?? []).map((product) => [product.sku, product.name])));

/**
 * What the key may do beyond reading orders, from its role (`GET /v1/me`). It only decides what to offer: the API
 * still decides every request. A failure other than 401 offers less until the page is loaded again.
 */
async function probeAccess() {
  const me = await api('GET', '/v1/me').catch((problem) => {
    if (problem.status === 401) throw problem;
    return undefined;
  });
  const role = me?.role;
  return {
    admin: role === 'admin',
    support: role === 'admin' || role === 'support',
    edit: role === 'admin' || role === 'support' || role === 'sales',
  };
}

function stopTimers() {
  for (const timer of timers) clearInterval(timer);
  timers = [];
}
/** Runs `task` every `ms` while the tab is visible, until the next navigation. */
function every(ms, task) {
  timers.push(setInterval(() => document.visibilityState === 'visible' && task(), ms));
}

// ---------- Session ----------

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  apiKey = null;
  shell = undefined;
  can = { admin: false, support: false, edit: false };
  accessProbe = undefined;
  clearInterval(countsTimer);
  cache.clear();
  stopTimers();
  showSignIn(message);
}

function showSignIn(message) {
  mount(sessionBox);
  const input = h('input', {
    type: 'password',
    name: 'apiKey',
    autocomplete: 'off',
    required: true,
    placeholder: 'Paste your API key',
    'aria-label': 'API key',
  });
  const error = h('div', { class: 'notice error', role: 'alert', hidden: !message }, message ?? '');
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'body',
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        apiKey = input.value.trim();
        try {
          await api('GET', '/v1/orders?limit=1');
          sessionStorage.setItem(KEY_STORAGE, apiKey);
          route();
        } catch (problem) {
          apiKey = null;
          mount(
            error,
            problem.status === 401 ? 'This key was not accepted. Check it and try again.' : describe(problem),
          );
          error.hidden = false;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h(
      'p',
      { class: 'muted' },
      "Sign in with your OMS API key. It stays in this browser tab only (session storage) and is sent to this server's API, nothing else.",
    ),
    h('label', {}, 'API key', input),
    error,
    submit,
  );
  mount(app, h('section', { class: 'card signin' }, h('header', {}, h('h2', {}, 'Sign in')), form));
  input.focus();
}

// ---------- Layout ----------

function ensureShell() {
  if (shell) return shell;
  mount(
    sessionBox,
    h('span', {}, 'Signed in with key ', h('code', {}, `…${apiKey.slice(-4)}`)),
    h('button', { class: 'ghost', type: 'button', onclick: () => signOut() }, 'Sign out'),
  );
  const nav = h(
    'nav',
    { class: 'queues', 'aria-label': 'Queues' },
    QUEUES.map((queue) =>
      h(
        'a',
        { href: `#queue/${queue.id}`, dataset: { queue: queue.id } },
        h('span', {}, queue.title),
        h('span', { class: 'count', dataset: { count: queue.id } }, '…'),
      ),
    ),
  );
  const adminNav = can.admin
    ? h(
        'nav',
        { class: 'queues', 'aria-label': 'Admin' },
        h('div', { class: 'nav-title' }, 'Admin'),
        h('a', { href: '#webhooks', dataset: { screen: 'webhooks' } }, h('span', {}, 'Webhooks')),
        h('a', { href: '#audit', dataset: { screen: 'audit' } }, h('span', {}, 'Audit log')),
      )
    : null;
  const orderId = h('input', { name: 'orderId', placeholder: 'ORD-…', 'aria-label': 'Order ID', required: true });
  const finder = h(
    'form',
    {
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = `#order/${encodeURIComponent(orderId.value.trim())}`;
        orderId.value = '';
      },
    },
    orderId,
    h('button', { type: 'submit' }, 'Open'),
  );
  const content = h('section', { class: 'content', id: 'content' });
  mount(
    app,
    h(
      'div',
      { class: 'layout' },
      h(
        'aside',
        { class: 'sidebar' },
        h('div', { class: 'card' }, nav),
        h('div', { class: 'card finder' }, h('h3', {}, 'Open an order'), finder),
        adminNav ? h('div', { class: 'card' }, adminNav) : null,
      ),
      content,
    ),
  );
  shell = { nav, adminNav, content };
  refreshCounts();
  countsTimer = setInterval(() => document.visibilityState === 'visible' && refreshCounts(), 20_000);
  return shell;
}

async function refreshCounts() {
  await Promise.all(
    QUEUES.map(async (queue) => {
      const target = shell?.nav.querySelector(`[data-count="${queue.id}"]`);
      if (!target) return;
      try {
        const page = await api('GET', `/v1/orders?${queue.query}&limit=50`);
        const count = page.items.length;
        mount(target, page.nextCursor ? `${count}+` : String(count));
        target.classList.toggle('hot', count > 0);
      } catch (problem) {
        if (problem.status === 401) return signOut('Your key is no longer accepted. Sign in again.');
        mount(target, '!');
      }
    }),
  );
}

function highlight(queueId) {
  for (const link of shell.nav.querySelectorAll('a')) link.classList.toggle('active', link.dataset.queue === queueId);
  for (const link of shell.adminNav?.querySelectorAll('a') ?? [])
    link.classList.toggle('active', link.dataset.screen === queueId);
}

// ---------- Errors and notices ----------

/** A problem+json answer in words: status, title, detail, and the fields it names. */
function describe(problem, action) {
  const body = problem.body ?? {};
  const heading = [problem.status || '', body.title].filter(Boolean).join(' ') || 'Error';
  const fields = (body.errors ?? []).filter((error) => error.message !== body.detail);
  return [
    h('strong', {}, action ? [`${action} failed`, h('span', { class: 'sep' }, '·'), heading] : heading),
    body.detail ? h('span', { class: 'detail' }, body.detail) : null,
    fields.length
      ? h(
          'ul',
          {},
          fields.map((error) => h('li', {}, h('code', {}, error.path), ': ', error.message)),
        )
      : null,
  ];
}

function notice(kind, ...content) {
  return h(
    'div',
    { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: { notice: kind } },
    ...content,
  );
}

// ---------- Queues ----------

function showQueue(queueId) {
  const queue = QUEUES.find((candidate) => candidate.id === queueId) ?? QUEUES[0];
  lastQueue = queue.id;
  lastList = { hash: `#queue/${queue.id}`, title: queue.title };
  const { content } = ensureShell();
  highlight(queue.id);
  document.title = `${queue.title} · OMS console`;
  const holder = h('div', { class: 'card' }, h('p', { class: 'empty' }, 'Loading…'));
  mount(
    content,
    h(
      'div',
      { class: 'page-head' },
      h('div', {}, h('h1', {}, queue.title), h('p', { class: 'muted' }, queue.hint)),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            load();
            refreshCounts();
          },
        },
        'Refresh',
      ),
    ),
    holder,
  );

  let items = [];
  let cursor = null;
  async function load(more = false) {
    try {
      const page = await api(
        'GET',
        `/v1/orders?${queue.query}&limit=50${more && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      items = more ? [...items, ...page.items] : page.items;
      cursor = page.nextCursor;
      await render();
    } catch (problem) {
      if (problem.status === 401) return signOut('Your key is no longer accepted. Sign in again.');
      mount(holder, h('div', { class: 'body' }, notice('error', ...describe(problem))));
    }
  }

  async function render() {
    if (items.length === 0) return mount(holder, h('p', { class: 'empty' }, 'Nothing needs attention here.'));
    const customers = new Map(
      await Promise.all(
        [...new Set(items.map((order) => order.customerId))].map(async (id) => [id, (await customerOf(id))?.name]),
      ),
    );
    const failed = queue.id === 'failed';
    mount(
      holder,
      h(
        'table',
        { class: 'queue', dataset: { queue: queue.id } },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Order'),
            h('th', {}, 'Customer'),
            h('th', {}, 'Priority'),
            h('th', { class: 'num' }, 'Total'),
            h('th', {}, 'Status'),
            failed ? h('th', {}, 'Reason') : null,
            h('th', {}, 'Placed'),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((order) =>
            h(
              'tr',
              {
                class: 'link',
                dataset: { orderId: order.id },
                onclick: () => (location.hash = `#order/${encodeURIComponent(order.id)}`),
              },
              h('td', {}, h('a', { href: `#order/${encodeURIComponent(order.id)}`, class: 'mono' }, order.id)),
              h(
                'td',
                {},
                customers.get(order.customerId) ?? order.customerId,
                h('div', { class: 'muted mono' }, order.customerId),
              ),
              h('td', {}, h('span', { class: `priority p${order.priority}` }, `P${order.priority}`)),
              h('td', { class: 'num' }, money(order.total, order.currency)),
              h('td', {}, badge(order.status)),
              failed
                ? h(
                    'td',
                    {},
                    words(order.rejectReason ?? order.cancelReason),
                    (order.statusReasons ?? []).map((reason) => h('div', { class: 'muted' }, reason)),
                  )
                : null,
              h('td', { title: dateTime(order.createdAt) }, timeAgo(order.createdAt)),
            ),
          ),
        ),
      ),
      cursor
        ? h('div', { class: 'body' }, h('button', { type: 'button', onclick: () => load(true) }, 'Load more'))
        : null,
    );
  }

  load();
  every(15_000, () => !cursor && load());
}

// ---------- Order detail ----------

/** What can still be refunded: invoiced (captured or billed) minus credit notes already issued. */
function refundable(order) {
  const invoiced = order.invoices
    .filter((invoice) => invoice.kind === 'invoice')
    .reduce((sum, invoice) => sum + Number(invoice.total), 0);
  const credited = order.invoices
    .filter((invoice) => invoice.kind === 'credit_note')
    .reduce((sum, invoice) => sum + Number(invoice.total), 0);
  return Math.max(0, invoiced - credited);
}

/** Whether an edit may still be sent (SPEC: until picking starts): no shipment picking or beyond, not held. */
function editable(order) {
  return (
    !NOT_EDITABLE.includes(order.status) &&
    order.shipments.every((shipment) => shipment.status === 'allocated' || shipment.status === 'cancelled')
  );
}

function showOrder(orderId) {
  const { content } = ensureShell();
  highlight(null);
  document.title = `${orderId} · OMS console`;
  mount(content, h('p', { class: 'empty' }, 'Loading order…'));

  let order;
  let history;
  let customer;
  let names = new Map();
  let emails = null; // the order's customer emails (support and admin), or the Problem that kept them away
  let shownEmail = null; // the email opened below the list: {id} while loading, then with its bodies or a problem
  let message = null; // the last action's result or problem, kept across refreshes
  let openForm = null; // the action whose form is open: refreshes wait until it is closed
  let formElement = null; // kept across renders, so what was typed survives an error
  let busy = false;

  async function load() {
    try {
      [order, history, emails] = await Promise.all([
        api('GET', `/v1/orders/${encodeURIComponent(orderId)}`),
        api('GET', `/v1/orders/${encodeURIComponent(orderId)}/history`),
        // The emails are extra: a problem reading them shows in their card, not instead of the order.
        can.support
          ? api('GET', `/v1/notifications?orderId=${encodeURIComponent(orderId)}&limit=200`).then(
              (page) => page.items,
              (problem) => problem,
            )
          : null,
      ]);
      [customer, names] = await Promise.all([customerOf(order.customerId), productNames()]);
      render();
    } catch (problem) {
      if (problem.status === 401) return signOut('Your key is no longer accepted. Sign in again.');
      mount(content, backLink(), notice('error', ...describe(problem)));
    }
  }

  /**
   * Sends an action and reloads the order. `path` follows the order's URL (`''`: the order itself); `details` adds to
   * the answer's notice. A refusal shows in `problemBox` (next to the form, which keeps what was typed) when given,
   * else above the actions.
   */
  async function act(action, path, body, success, { method = 'POST', problemBox, details } = {}) {
    busy = true;
    const buttons = [...content.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    let failure = null;
    try {
      const answer = await api(method, `/v1/orders/${encodeURIComponent(order.id)}${path ? `/${path}` : ''}`, body);
      message = notice(
        'ok',
        h('strong', {}, success(answer)),
        answer.status ? h('span', {}, 'The order is now ', badge(answer.status), '.') : null,
        details?.(answer),
      );
      openForm = null;
      formElement = null;
    } catch (problem) {
      failure = notice('error', ...describe(problem, action));
      if (problemBox) mount(problemBox, failure);
      else message = failure;
    } finally {
      busy = false;
      for (const button of buttons) button.disabled = false;
    }
    await load();
    // The reload closes a form the order no longer allows (picking started meanwhile): its refusal moves up.
    if (problemBox && failure && !problemBox.isConnected) {
      message = failure;
      render();
    }
    refreshCounts();
  }

  const ACTIONS = [
    {
      id: 'approve',
      label: 'Approve',
      style: 'primary',
      when: (o) => o.status === 'AWAITING_APPROVAL',
      form: approveForm,
    },
    {
      id: 'reject',
      label: 'Reject',
      style: 'danger',
      when: (o) => o.status === 'AWAITING_APPROVAL',
      form: () => reasonForm('Reject', 'reject', 'Why is this order rejected?', () => 'Rejected.'),
    },
    { id: 'edit', label: 'Edit', needs: 'edit', when: editable, form: editForm },
    {
      id: 'resume',
      label: 'Resume backorder',
      when: (o) => o.status === 'BACKORDERED' || o.status === 'PARTIALLY_SHIPPED',
      run: () =>
        act('Resume backorder', 'resume-backorder', {}, (answer) =>
          answer.status === 'BACKORDERED' ? 'Allocation retried: the stock is still missing.' : 'Backorder resumed.',
        ),
    },
    {
      id: 'hold',
      label: 'Hold',
      needs: 'support',
      when: (o) => HOLDABLE.includes(o.status),
      form: () =>
        reasonForm('Hold', 'hold', 'Why is this order held?', () => 'On hold: it stops before its next step.'),
    },
    {
      id: 'release',
      label: 'Release',
      style: 'primary',
      needs: 'support',
      when: (o) => o.status === 'ON_HOLD',
      run: () => act('Release', 'release', {}, () => 'Released: the order goes on where it stopped.'),
    },
    {
      id: 'cancel',
      label: 'Cancel order',
      style: 'danger',
      when: (o) => CANCELLABLE.includes(o.status),
      form: () => reasonForm('Cancel order', 'cancel', 'Why is this order cancelled?', () => 'Cancelled.'),
    },
    { id: 'refund', label: 'Refund', when: (o) => refundable(o) > 0, form: refundForm },
  ];

  function backLink() {
    return h('a', { href: lastList.hash }, `← ${lastList.title}`);
  }

  function render() {
    if (!order) return;
    const currency = order.currency;
    // `needs`: only offered to keys that may (admin may anything); the others show the API's 403 when refused.
    const available = ACTIONS.filter((action) => (!action.needs || can[action.needs]) && action.when(order));
    if (!available.some((action) => action.id === openForm)) {
      openForm = null;
      formElement = null;
    }

    const head = h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'body' },
        h(
          'div',
          { class: 'order-head' },
          h('h1', { class: 'mono' }, order.id),
          badge(order.status, 'large'),
          h('span', { class: `priority p${order.priority}`, title: 'Priority (1 highest)' }, `P${order.priority}`),
        ),
        h(
          'div',
          { class: 'facts' },
          h('span', {}, 'Customer ', h('b', {}, customer?.name ?? order.customerId), ` (${order.customerId})`),
          h('span', {}, 'Placed ', h('b', {}, dateTime(order.createdAt))),
          h('span', {}, 'Total ', h('b', {}, money(order.totals.total ?? order.total, currency))),
          h('span', {}, 'Payment ', h('b', {}, order.payment.method)),
          h('span', {}, 'Backorders ', h('b', {}, words(order.backorderPolicy))),
          h(
            'span',
            {},
            'Promised ',
            h('b', {}, order.promisedDeliveryDate ? calendarDate(order.promisedDeliveryDate) : '—'),
          ),
        ),
        h(
          'div',
          { class: 'facts links' },
          history?.temporalUiUrl
            ? h(
                'a',
                {
                  href: history.temporalUiUrl,
                  target: '_blank',
                  rel: 'noopener noreferrer',
                  dataset: { link: 'temporal' },
                },
                'Workflow history in Temporal UI ↗',
              )
            : null,
          h(
            'a',
            {
              href: `/track/${encodeURIComponent(order.trackingNumber)}`,
              target: '_blank',
              rel: 'noopener noreferrer',
              dataset: { link: 'tracking' },
            },
            'Customer tracking page ↗',
          ),
          can.admin
            ? h(
                'a',
                { href: `#audit/${encodeURIComponent(order.id)}`, dataset: { link: 'audit' } },
                'Audit log of this order',
              )
            : null,
          can.admin
            ? h(
                'a',
                { href: '#webhooks', dataset: { link: 'webhooks' }, title: 'Each delivery names its order' },
                'Webhook deliveries',
              )
            : null,
          h(
            'a',
            {
              href: '#',
              onclick: (event) => {
                event.preventDefault();
                load();
              },
            },
            'Reload',
          ),
        ),
      ),
    );

    const exceptions = order.shipments.filter((shipment) => shipment.status === 'exception');
    const alerts = [
      statusNotice(),
      exceptions.length
        ? notice(
            'error',
            h('strong', {}, 'Carrier exception'),
            h(
              'ul',
              { class: 'reasons' },
              exceptions.map((shipment) =>
                h(
                  'li',
                  {},
                  `${shipment.id}: ${shipment.events.filter((event) => event.status === 'exception').at(-1)?.detail ?? 'no detail given'}`,
                ),
              ),
            ),
          )
        : null,
    ];

    const actions = h(
      'div',
      { class: 'card', id: 'actions' },
      h(
        'header',
        {},
        h('h2', {}, 'Actions'),
        available.length
          ? h(
              'div',
              { class: 'actions' },
              available.map((action) =>
                h(
                  'button',
                  {
                    type: 'button',
                    class: `${action.style ?? ''} ${openForm === action.id ? 'pressed' : ''}`.trim(),
                    dataset: { action: action.id },
                    'aria-expanded': action.form ? String(openForm === action.id) : undefined,
                    onclick: () => {
                      if (action.run) return action.run();
                      openForm = openForm === action.id ? null : action.id;
                      formElement = openForm ? action.form() : null;
                      message = null;
                      render();
                      formElement?.querySelector('textarea, input')?.focus();
                    },
                  },
                  action.label,
                ),
              ),
            )
          : h('span', { class: 'muted' }, `Nothing to do for a ${words(order.status)} order.`),
      ),
      formElement,
    );

    mount(
      content,
      backLink(),
      head,
      message,
      alerts,
      actions,
      linesCard(names),
      h('div', { class: 'grid-2' }, shipmentsCard(), totalsCard()),
      emailsCard(),
      timelineCard(),
    );
  }

  /** Why the order is where it is, for the statuses whose reasons still hold. */
  function statusNotice() {
    const reasons = order.statusReasons?.length
      ? h(
          'ul',
          { class: 'reasons' },
          order.statusReasons.map((reason) => h('li', {}, reason)),
        )
      : null;
    if (order.status === 'AWAITING_APPROVAL') return notice('info', h('strong', {}, 'Needs approval because'), reasons);
    if (order.status === 'ON_HOLD')
      return notice(
        'error',
        h('strong', { class: 'hold-reason' }, `On hold: ${order.holdReason ?? 'no reason given'}`),
        h(
          'span',
          { class: 'held-from' },
          order.heldFrom ? ['It stopped at ', badge(order.heldFrom), '. '] : null,
          'Release it to go on from there, or cancel it.',
        ),
      );
    if (order.status === 'BACKORDERED' || order.status === 'PARTIALLY_SHIPPED')
      return reasons && notice('info', h('strong', {}, 'Waiting for stock'), reasons);
    if (order.status === 'REJECTED')
      return notice('error', h('strong', {}, `Rejected: ${words(order.rejectReason)}`), reasons);
    if (order.status === 'CANCELLED')
      return notice(
        order.cancelReason === 'requested' ? 'info' : 'error',
        h('strong', {}, `Cancelled: ${words(order.cancelReason)}`),
        reasons,
      );
    return null;
  }

  function approveForm() {
    const inputs = order.lines.map((line) =>
      h('input', {
        type: 'number',
        min: 0,
        max: line.quantity,
        value: line.quantity,
        step: 1,
        name: `approve-${line.sku}`,
        'aria-label': `Approved quantity of ${line.sku}`,
      }),
    );
    const note = h('textarea', { name: 'note', placeholder: 'Optional note for the timeline' });
    return h(
      'form',
      {
        class: 'action-form',
        onsubmit: (event) => {
          event.preventDefault();
          const lines = order.lines
            .map((line, index) => ({ sku: line.sku, approvedQuantity: Number(inputs[index].value) }))
            .filter((line, index) => line.approvedQuantity !== order.lines[index].quantity);
          act(
            'Approve',
            'approve',
            { ...(lines.length ? { lines } : {}), ...(note.value.trim() ? { note: note.value.trim() } : {}) },
            () => (lines.length ? 'Approved with reduced quantities.' : 'Approved.'),
          );
        },
      },
      h(
        'p',
        { class: 'muted' },
        "Approve every line in full, or lower a line's quantity: the difference is cancelled.",
      ),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, 'SKU'), h('th', { class: 'num' }, 'Ordered'), h('th', {}, 'Approve'))),
        h(
          'tbody',
          {},
          order.lines.map((line, index) =>
            h(
              'tr',
              {},
              h('td', { class: 'mono' }, line.sku),
              h('td', { class: 'num' }, line.quantity),
              h('td', {}, inputs[index]),
            ),
          ),
        ),
      ),
      h('label', {}, 'Note', note),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', dataset: { confirm: 'approve' } }, 'Approve order'),
        closeButton(),
      ),
    );
  }

  /**
   * The lines (the whole new set), the shipping address and expedite, as they are now; only what changed is sent.
   * The API checks it all: its refusal shows next to the form, which keeps what was typed.
   */
  function editForm() {
    const rows = h('tbody', {});
    const addRow = (sku = '', quantity = '') => {
      const row = h(
        'tr',
        { dataset: { editLine: '' } },
        h(
          'td',
          {},
          h('input', {
            name: 'sku',
            value: sku,
            list: 'edit-skus',
            required: true,
            autocomplete: 'off',
            'aria-label': 'SKU',
          }),
        ),
        h(
          'td',
          {},
          h('input', {
            type: 'number',
            name: 'quantity',
            value: quantity,
            min: 1,
            step: 1,
            required: true,
            'aria-label': 'Quantity',
          }),
        ),
        h(
          'td',
          {},
          h(
            'button',
            { type: 'button', class: 'ghost', dataset: { removeLine: '' }, onclick: () => row.remove() },
            'Remove',
          ),
        ),
      );
      rows.append(row);
      return row;
    };
    for (const line of order.lines) addRow(line.sku, line.quantity);

    const current = order.shippingAddress ?? {};
    const address = Object.fromEntries(
      ADDRESS_FIELDS.map(([field]) => [
        field,
        h('input', { name: `address-${field}`, value: current[field] ?? '', required: field !== 'line2' }),
      ]),
    );
    const expedite = h('input', { type: 'checkbox', name: 'expedite', checked: Boolean(order.expedite) });
    const problem = h('div', { class: 'edit-problem' });

    /** What differs from the order as loaded, as the PATCH body names it. */
    function changes() {
      const lines = [...rows.querySelectorAll('tr')].map((row) => ({
        sku: row.querySelector('input[name=sku]').value.trim(),
        quantity: Number(row.querySelector('input[name=quantity]').value),
      }));
      const linesKey = (list) =>
        list
          .map((line) => `${line.sku} ${line.quantity}`)
          .sort()
          .join('\n');
      const shippingAddress = {};
      for (const [field] of ADDRESS_FIELDS) {
        const value = address[field].value.trim();
        if (value) shippingAddress[field] = value;
      }
      const addressChanged = ADDRESS_FIELDS.some(
        ([field]) => (shippingAddress[field] ?? '') !== String(current[field] ?? '').trim(),
      );
      return {
        ...(linesKey(lines) !== linesKey(order.lines) ? { lines } : {}),
        ...(addressChanged ? { shippingAddress } : {}),
        ...(expedite.checked !== Boolean(order.expedite) ? { expedite: expedite.checked } : {}),
      };
    }

    const totalsOf = (answer) => {
      const t = answer.totals;
      if (!t) return h('span', {}, 'It stopped before it was priced again.');
      return h(
        'span',
        { class: 'edit-totals' },
        'New total ',
        h('b', { dataset: { total: t.total } }, money(t.total, t.currency)),
        ` (subtotal ${money(t.subtotal, t.currency)}`,
        t.discount ? `, discount ${money(-t.discount, t.currency)}` : '',
        `, shipping ${money(t.shipping, t.currency)}, tax ${money(t.tax, t.currency)}).`,
      );
    };

    return h(
      'form',
      {
        class: 'action-form',
        dataset: { form: 'edit' },
        onsubmit: (event) => {
          event.preventDefault();
          const body = changes();
          const changed = [
            body.lines ? 'lines' : null,
            body.shippingAddress ? 'shipping address' : null,
            'expedite' in body ? `expedite ${body.expedite ? 'on' : 'off'}` : null,
          ].filter(Boolean);
          if (!changed.length)
            return mount(
              problem,
              notice(
                'info',
                h('strong', {}, 'Nothing changed'),
                h('span', {}, 'Change a line, the address or expedite first.'),
              ),
            );
          mount(problem);
          act('Edit', '', body, () => `Edited: ${changed.join(', ')}.`, {
            method: 'PATCH',
            problemBox: problem,
            details: totalsOf,
          });
        },
      },
      h(
        'p',
        { class: 'muted', dataset: { editRules: '' } },
        'Until picking starts. The order is priced again, may go back to approval, and a card is authorized again when the total grows.',
      ),
      h(
        'table',
        { class: 'edit-lines' },
        h('thead', {}, h('tr', {}, h('th', {}, 'SKU'), h('th', {}, 'Quantity'), h('th', {}))),
        rows,
      ),
      // A hint while typing a SKU; the API still checks each one.
      h(
        'datalist',
        { id: 'edit-skus' },
        [...names].map(([sku, name]) => h('option', { value: sku }, name)),
      ),
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          { type: 'button', dataset: { addLine: '' }, onclick: () => addRow().querySelector('input').focus() },
          'Add line',
        ),
      ),
      h(
        'fieldset',
        { class: 'address' },
        h('legend', {}, 'Shipping address'),
        ADDRESS_FIELDS.map(([field, label]) => h('label', {}, label, address[field])),
      ),
      h('label', { class: 'inline' }, expedite, 'Expedite (priority one step higher, fastest shipping)'),
      problem,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', dataset: { confirm: 'edit' } }, 'Save changes'),
        closeButton(),
      ),
    );
  }

  function reasonForm(label, path, prompt, success) {
    const reason = h('textarea', { name: 'reason', required: true, maxlength: 1000, placeholder: prompt });
    return h(
      'form',
      {
        class: 'action-form',
        onsubmit: (event) => {
          event.preventDefault();
          act(label, path, { reason: reason.value.trim() }, success);
        },
      },
      h('label', {}, 'Reason', reason),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'danger solid', dataset: { confirm: path } }, label),
        closeButton(),
      ),
    );
  }

  function refundForm() {
    const left = refundable(order);
    const full = h('input', { type: 'radio', name: 'kind', value: 'full', checked: true });
    const partial = h('input', { type: 'radio', name: 'kind', value: 'amount' });
    const amount = h('input', {
      class: 'amount',
      name: 'amount',
      inputmode: 'decimal',
      placeholder: '0.00',
      'aria-label': `Amount in ${order.currency}`,
      disabled: true,
    });
    for (const radio of [full, partial])
      radio.addEventListener('change', () => {
        amount.disabled = full.checked;
        if (!amount.disabled) amount.focus();
      });
    const reason = h('textarea', {
      name: 'reason',
      required: true,
      maxlength: 1000,
      placeholder: 'Why is money going back?',
    });
    const problem = h('div');
    return h(
      'form',
      {
        class: 'action-form',
        onsubmit: (event) => {
          event.preventDefault();
          const value = full.checked ? left : toMinorUnits(amount.value, order.currency);
          if (!Number.isInteger(value) || value <= 0)
            return mount(problem, notice('error', h('strong', {}, 'Enter a positive amount, e.g. 12.50')));
          act(
            'Refund',
            'refunds',
            { amount: value, reason: reason.value.trim() },
            (answer) =>
              `Refunded ${money(answer.amount, order.currency)}${answer.creditNote ? `, credit note ${answer.creditNote}` : ''}.`,
          );
        },
      },
      h('p', { class: 'muted' }, `Up to ${money(left, order.currency)} can be refunded (invoiced minus credit notes).`),
      h(
        'div',
        { class: 'choice' },
        h('label', { class: 'inline' }, full, `Full (${money(left, order.currency)})`),
        h('label', { class: 'inline' }, partial, 'Amount'),
        amount,
      ),
      problem,
      h('label', {}, 'Reason', reason),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', dataset: { confirm: 'refunds' } }, 'Refund'),
        closeButton(),
      ),
    );
  }

  function closeButton() {
    return h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        onclick: () => {
          openForm = null;
          formElement = null;
          render();
        },
      },
      'Close',
    );
  }

  function linesCard(names) {
    const quantity = (value) => h('td', { class: 'num' }, value ? String(value) : h('span', { class: 'muted' }, '0'));
    return h(
      'div',
      { class: 'card' },
      h('header', {}, h('h2', {}, 'Lines')),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Item',
              'Qty',
              'Approved',
              'Reserved',
              'Shipped',
              'Delivered',
              'Returned',
              'Cancelled',
              'Unit',
              'Total',
            ].map((title, index) => h('th', { class: index ? 'num' : '' }, title)),
          ),
        ),
        h(
          'tbody',
          {},
          order.lines.map((line) =>
            h(
              'tr',
              {},
              h(
                'td',
                {},
                h('div', { class: 'mono' }, line.sku),
                h('div', { class: 'muted' }, names.get(line.sku) ?? ''),
              ),
              quantity(line.quantity),
              quantity(line.approvedQuantity),
              quantity(line.reservedQuantity),
              quantity(line.shippedQuantity),
              quantity(line.deliveredQuantity),
              quantity(line.returnedQuantity),
              quantity(line.cancelledQuantity),
              h('td', { class: 'num' }, money(line.unitPrice, order.currency)),
              h('td', { class: 'num' }, money(line.total, order.currency)),
            ),
          ),
        ),
      ),
    );
  }

  function totalsCard() {
    const t = order.totals;
    const row = (label, value, cls = '') => [
      h('span', { class: cls }, label),
      h('span', { class: `num ${cls}` }, money(value, order.currency)),
    ];
    const sum = (kind) =>
      order.payments
        .filter((payment) => payment.kind === kind && payment.status === 'succeeded')
        .reduce((total, payment) => total + Number(payment.amount), 0);
    return h(
      'div',
      { class: 'card' },
      h('header', {}, h('h2', {}, 'Totals')),
      h(
        'div',
        { class: 'body totals' },
        row('Subtotal', t.subtotal),
        t.discount ? row('Discount', -t.discount) : null,
        row('Shipping', t.shipping),
        row('Tax', t.tax),
        row('Total', t.total, 'sum'),
        order.payment.method === 'card'
          ? [
              row('Authorized', sum('authorization'), 'muted'),
              row('Captured', sum('capture'), 'muted'),
              row('Refunded', sum('refund'), 'muted'),
            ]
          : null,
        row('Refundable', refundable(order), 'muted'),
      ),
      order.invoices.length
        ? h(
            'div',
            { class: 'body' },
            h('h3', {}, 'Invoices'),
            h(
              'ul',
              { class: 'reasons' },
              order.invoices.map((invoice) =>
                h(
                  'li',
                  {},
                  h('span', { class: 'mono' }, invoice.number),
                  ` ${words(invoice.kind)} · ${money(invoice.total, invoice.currency)} · ${invoice.status}`,
                ),
              ),
            ),
          )
        : null,
    );
  }

  function shipmentsCard() {
    return h(
      'div',
      { class: 'card' },
      h('header', {}, h('h2', {}, 'Shipments'), h('span', { class: 'muted' }, `${order.shipments.length}`)),
      order.shipments.length === 0
        ? h('p', { class: 'empty' }, 'No shipments yet.')
        : h(
            'div',
            { class: 'body shipments' },
            order.shipments.map((shipment) =>
              h(
                'div',
                { class: `shipment ${shipment.status}`, dataset: { shipmentId: shipment.id } },
                h(
                  'div',
                  { class: 'top' },
                  h(
                    'div',
                    {},
                    h('b', { class: 'mono' }, shipment.id),
                    h('span', { class: 'muted' }, ` · from ${shipment.warehouse}`),
                    shipment.carrier
                      ? h('span', { class: 'muted' }, ` · ${shipment.carrier} ${words(shipment.service)}`)
                      : null,
                    shipment.carrierTrackingNumber
                      ? h('span', { class: 'muted' }, ' · ', h('code', {}, shipment.carrierTrackingNumber))
                      : null,
                  ),
                  badge(shipment.status),
                ),
                h(
                  'div',
                  { class: 'muted' },
                  shipment.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', '),
                  shipment.pickList ? ` · pick list ${shipment.pickList.id} (${shipment.pickList.status})` : '',
                ),
                shipment.events.length
                  ? h(
                      'ul',
                      { class: 'events' },
                      shipment.events.map((event) =>
                        h(
                          'li',
                          {},
                          h('time', {}, dateTime(event.at)),
                          badge(event.status),
                          event.detail ? h('span', {}, event.detail) : null,
                        ),
                      ),
                    )
                  : null,
              ),
            ),
          ),
    );
  }

  const EMAIL_TONES = { pending: 'wait', sent: 'done', failed: 'bad' };

  async function openEmail(id) {
    if (shownEmail?.id === id) shownEmail = null;
    else {
      shownEmail = { id };
      render();
      try {
        shownEmail = await api('GET', `/v1/notifications/${encodeURIComponent(id)}`);
      } catch (problem) {
        if (problem.status === 401) return signOut('Your key is no longer accepted. Sign in again.');
        if (shownEmail?.id === id) shownEmail = { id, problem };
      }
    }
    render();
  }

  /** The customer's emails about this order (support and admin only), and the one opened with its bodies. */
  function emailsCard() {
    if (!can.support || emails === null) return null;
    const list =
      emails instanceof Problem
        ? h('div', { class: 'body' }, notice('error', ...describe(emails, 'Reading the emails')))
        : emails.length === 0
          ? h('p', { class: 'empty' }, 'No emails about this order yet.')
          : h(
              'table',
              { class: 'emails' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Template', 'To', 'Subject', 'Status', 'Sent', 'Error'].map((title) => h('th', {}, title)),
                ),
              ),
              h(
                'tbody',
                {},
                emails.map((email) =>
                  h(
                    'tr',
                    {
                      class: `link ${shownEmail?.id === email.id ? 'open' : ''}`.trim(),
                      dataset: { notificationId: email.id },
                      onclick: () => openEmail(email.id),
                    },
                    h('td', {}, words(email.template)),
                    h('td', { class: 'mono' }, email.to),
                    h('td', {}, email.subject ?? h('span', { class: 'muted' }, 'not rendered yet')),
                    h(
                      'td',
                      {},
                      toneBadge(email.status, EMAIL_TONES[email.status]),
                      email.status === 'pending' && email.attempts
                        ? h('div', { class: 'muted' }, `${email.attempts} attempts`)
                        : null,
                    ),
                    h('td', {}, dateTime(email.sentAt)),
                    h('td', { class: 'error' }, email.error ?? ''),
                  ),
                ),
              ),
            );
    return h(
      'div',
      { class: 'card', id: 'emails' },
      h(
        'header',
        {},
        h('h2', {}, 'Customer emails'),
        h('span', { class: 'muted' }, Array.isArray(emails) ? `${emails.length} · click one to read it` : ''),
      ),
      list,
      emailPreview(),
    );
  }

  function emailPreview() {
    if (!shownEmail) return null;
    if (shownEmail.problem)
      return h('div', { class: 'body' }, notice('error', ...describe(shownEmail.problem, 'Opening the email')));
    if (!('to' in shownEmail)) return h('p', { class: 'empty' }, 'Loading the email…');
    const email = shownEmail;
    return h(
      'div',
      { class: 'body email', dataset: { email: email.id } },
      h(
        'div',
        { class: 'email-head' },
        h(
          'div',
          {},
          h('b', {}, email.subject ?? '(no subject yet)'),
          h('div', { class: 'muted' }, `To ${email.to} · ${words(email.template)} · ${email.status}`),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            onclick: () => {
              shownEmail = null;
              render();
            },
          },
          'Close',
        ),
      ),
      h(
        'div',
        { class: 'email-bodies' },
        h(
          'section',
          {},
          h('h3', {}, 'Text'),
          email.text === null
            ? h('p', { class: 'muted' }, 'No text body.')
            : h('pre', { class: 'email-text' }, email.text),
        ),
        h(
          'section',
          {},
          h('h3', {}, 'HTML'),
          email.html === null
            ? h('p', { class: 'muted' }, 'No HTML body.')
            : // The message's own HTML, in a sandbox with no scripts, forms or same-origin access (an opaque origin),
              // under this page's Content-Security-Policy: nothing from outside loads.
              h('iframe', {
                class: 'email-html',
                sandbox: true,
                referrerpolicy: 'no-referrer',
                title: `HTML body of ${email.subject ?? 'the email'}`,
                srcdoc: email.html,
              }),
        ),
      ),
    );
  }

  function timelineCard() {
    const events = history?.timeline ?? order.timeline;
    return h(
      'div',
      { class: 'card' },
      h('header', {}, h('h2', {}, 'Timeline'), h('span', { class: 'muted' }, 'oldest first')),
      h(
        'ol',
        { class: 'timeline' },
        events.map((event) =>
          h(
            'li',
            { class: event.type },
            h('time', {}, dateTime(event.at)),
            h(
              'div',
              {},
              h('span', { class: 'type' }, words(event.type)),
              event.message,
              // Entries caused by a request name who made it; the order's own steps (a bare system actor) do not.
              event.actor && (event.actor.type !== 'system' || event.actor.id)
                ? h('span', { class: 'actor' }, actorLabel(event.actor))
                : null,
            ),
          ),
        ),
      ),
    );
  }

  load();
  // Follow the workflow while it moves; a person typing in a form is never interrupted.
  // Reading an email pauses it too: a new render would reload its frame.
  every(3_000, () => order && !openForm && !shownEmail && !busy && !TERMINAL.includes(order.status) && load());
}

// ---------- Routing ----------

async function route() {
  if (!apiKey) {
    stopTimers();
    return showSignIn();
  }
  const key = apiKey;
  if (accessProbe?.key !== key) accessProbe = { key, answer: probeAccess() };
  try {
    can = await accessProbe.answer;
  } catch {
    // Only a 401 gets here (any other failure offers less).
    if (apiKey === key) signOut('Your key is no longer accepted. Sign in again.');
    return;
  }
  if (apiKey !== key) return; // signed out (or in again) meanwhile
  stopTimers();
  const [kind, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const argument = decodeURIComponent(rest.join('/'));
  if (kind === 'order' && argument) return showOrder(argument);
  if (kind === 'webhooks')
    return adminScreen('webhooks', argument ? 'Delivery log' : 'Webhooks', (content) =>
      argument ? showDeliveries(content, adminTools, argument) : showWebhooks(content, adminTools),
    );
  if (kind === 'audit') return adminScreen('audit', 'Audit log', (content) => showAudit(content, adminTools, argument));
  return showQueue(kind === 'queue' ? argument : lastQueue);
}

const adminTools = { api, notice, describe, signOut, every };

/** An admin screen, or a note that the key may not see it (the API would answer 403 anyway). */
function adminScreen(id, title, show) {
  const { content } = ensureShell();
  highlight(id);
  document.title = `${title} · OMS console`;
  if (!can.admin)
    return mount(
      content,
      notice(
        'info',
        h('strong', {}, `${title}: for admins only`),
        h('span', {}, 'Sign in with an admin key to see it.'),
      ),
    );
  lastList = { hash: location.hash, title };
  show(content);
}

window.addEventListener('hashchange', route);
route();
