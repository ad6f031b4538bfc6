// The Webhooks screen (#webhooks, admins): other systems' subscriptions to order events, each with its own signing
// secret. The API refuses it to other roles (403); the console only leaves it out of their navigation.
import { h, mount, toneBadge } from '../../dom.js';
import { api } from '../api.js';
import { redraw } from '../keyboard.js';
import { notice, pageHead, problemNotice } from '../ui.js';

/** The subscriptions in `content`: create one (its secret shown that once), pause, resume, delete. */
export function showWebhooks(content) {
  let items = null;
  let message = null; // the last action's result or problem
  let created = null; // the subscription just created, with its secret: shown until dismissed or the page is left
  let form = null; // the open "new subscription" form, kept across renders so that what was typed survives an error
  let confirming = null; // the subscription whose deletion waits for a second click
  let eventTypes = null; // what a subscription may listen to, as the API knows them (SPEC section 6)

  async function load() {
    try {
      [items, eventTypes] = await Promise.all([
        api('GET', '/v1/webhooks').then((list) => list.items),
        eventTypes ?? api('GET', '/v1/webhooks/event-types').then((list) => list.items),
      ]);
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
    redraw(
      content,
      pageHead(
        'Webhooks',
        'Subscriptions of other systems to order events, each signed with its own secret, with the log of every delivery.',
        h(
          'button',
          {
            type: 'button',
            class: form ? 'primary pressed' : 'primary',
            'aria-expanded': String(Boolean(form)),
            dataset: { action: 'new-webhook' },
            disabled: !eventTypes, // the form lists them
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
    const boxes = eventTypes.map((type) => h('input', { type: 'checkbox', name: 'events', value: type }));
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
