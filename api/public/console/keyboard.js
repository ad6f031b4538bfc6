// What keeps the console usable by keyboard: the focus survives a screen drawing itself again (refreshes, a page
// reloaded every few seconds), it goes to the screen when the element that had it is gone, Escape puts a form away
// through its Close button, and closing a form gives the focus back to the button that opened it.
import { mount } from '../dom.js';

const FOCUSABLE = 'a[href], button, input, select, textarea, summary, [tabindex]';
const OWN_ATTRIBUTES = ['id', 'name', 'type', 'href', 'aria-label'];

/**
 * What identifies a focusable element across a redraw that builds it anew: its tag and own attributes (its text when
 * nothing else names it), and the data attributes of its ancestors below `root` (which row, which card).
 */
function signature(root, element) {
  const own = OWN_ATTRIBUTES.map((name) => element.getAttribute(name));
  if (element.type === 'checkbox' || element.type === 'radio') own.push(element.value);
  const data = Object.entries(element.dataset ?? {});
  const named = own.some((value, index) => value && OWN_ATTRIBUTES[index] !== 'type') || data.length;
  const text = named ? '' : element.textContent.trim();
  const rows = [];
  for (let node = element.parentElement; node && node !== root; node = node.parentElement)
    if (node.dataset && Object.keys(node.dataset).length) rows.push(Object.entries(node.dataset));
  return JSON.stringify([element.tagName, own, data, text, rows]);
}

/** Where the focus is inside `root` (or `element`), to find its like after a redraw; null when it is elsewhere. */
export function rememberFocus(root, element = document.activeElement) {
  if (!element || element === root || !root.contains(element)) return null;
  const key = signature(root, element);
  const alike = [...root.querySelectorAll(FOCUSABLE)].filter((candidate) => signature(root, candidate) === key);
  return { root, key, index: Math.max(0, alike.indexOf(element)) };
}

/** Focuses the like of what `rememberFocus` saw; false when the redraw left none. */
export function restoreFocus(kept) {
  if (!kept) return false;
  const alike = [...kept.root.querySelectorAll(FOCUSABLE)].filter(
    (element) => signature(kept.root, element) === kept.key,
  );
  const target = alike[Math.min(kept.index, alike.length - 1)];
  if (!target) return false;
  target.focus({ preventScroll: true });
  return true;
}

/** Whether the element that had the focus was taken out of the page (the focus fell back to the body). */
export const focusLost = () => !document.activeElement || document.activeElement === document.body;

/** Moves the focus to the screen (the content area, focusable by script only), so that Tab goes on from there. */
export function focusContent() {
  document.getElementById('content')?.focus({ preventScroll: true });
}

/** mount(), keeping the focus on the same control when the new content has it, else on the screen. */
export function redraw(element, ...children) {
  const kept = rememberFocus(element);
  mount(element, ...children);
  if (kept && !restoreFocus(kept) && focusLost()) focusContent();
  return element;
}

/** A form's Close button: every form the console can put away has one, labelled "Close". */
const closeButtonOf = (form) =>
  [...form.querySelectorAll('button[type=button]')].find((button) => button.textContent.trim() === 'Close');

/** Escape in a form with a Close button closes it; closing a form focuses the button that opened it again. */
export function installFormKeys() {
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    const form = document.activeElement?.closest?.('form');
    const close = form && closeButtonOf(form);
    if (!close || close.disabled) return;
    event.preventDefault();
    close.click();
  });
  // Capture: seen before the Close button's own handler redraws the screen without the form.
  document.addEventListener(
    'click',
    (event) => {
      const button = event.target.closest?.('button');
      const form = button?.closest('form');
      if (!form || button !== closeButtonOf(form)) return;
      const content = document.getElementById('content');
      // The opener: in the form's card (an order's actions, the bulk bar), else anywhere on the screen.
      const expanded = (root) => root?.querySelector('[aria-expanded="true"]');
      const opener = expanded(form.parentElement?.closest('.card')) ?? expanded(content);
      // aria-expanded flips as the form closes; the signature leaves it out.
      const kept = opener && content && rememberFocus(content, opener);
      // The redraw may have put the focus on the screen already: the opener is where it belongs.
      setTimeout(() => {
        if ((focusLost() || document.activeElement === content) && !restoreFocus(kept)) focusContent();
      });
    },
    true,
  );
}
