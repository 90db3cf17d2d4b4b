// Values to choose from under a text input (a field whose schema says `x-choices`):
//
//   const picker = choicePicker(input, (query) => api(...)); // -> { items: [{ value, title, detail }], total }
//   field.append(input, picker.element);
//
// The list is asked for when the input gets the focus and again as the user types (the
// server filters: a team may have thousands of people); a click or Enter on a value puts it
// in the input. Typing a value by hand keeps working. When there is no list (the
// connection is not authorised yet, say), the line under the input says why.
import { h } from './dom.js';

const WAIT_MS = 250;

export function choicePicker(input, load) {
  const list = h('ul', { class: 'choices', role: 'listbox', id: `${input.id}-choices`, hidden: true });
  const status = h('p', { class: 'hint', id: `${input.id}-choices-status`, 'aria-live': 'polite' });
  list.setAttribute('aria-label', 'Values to choose from');
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');
  let asked; // the query of the list shown (or being fetched)
  let seq = 0;
  let timer;

  const show = (open) => {
    list.hidden = !open || !list.children.length;
    input.setAttribute('aria-expanded', String(!list.hidden));
  };
  const pick = (value) => {
    input.value = value;
    // The form reads and checks the input on these, as if typed.
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    show(false);
    input.focus();
  };
  const option = (c) =>
    h(
      'li',
      {
        role: 'option',
        tabindex: -1,
        'aria-selected': String(c.value === input.value),
        dataset: { value: c.value },
        onclick: () => pick(c.value),
        onkeydown: (e) => {
          const to = {
            Enter: () => pick(c.value),
            ArrowDown: () => e.target.nextElementSibling?.focus(),
            ArrowUp: () => (e.target.previousElementSibling ?? input).focus(),
            Escape: () => {
              show(false);
              input.focus();
            },
          }[e.key];
          if (!to) return;
          e.preventDefault();
          to();
        },
      },
      h('span', { class: 'ctitle', text: c.title }),
      h('code', { text: c.value }),
      c.detail ? h('span', { class: 'muted small', text: c.detail }) : null,
    );

  const fill = async () => {
    const query = input.value.trim();
    if (query === asked) return show(true);
    asked = query;
    const mine = ++seq;
    status.textContent = 'Loading the list…';
    try {
      const r = await load(query);
      if (mine !== seq) return; // a later query's answer is the one to show
      list.replaceChildren(...r.items.map(option));
      status.textContent = !r.total
        ? 'Nothing matches; a value typed by hand is kept.'
        : r.total > r.items.length
          ? `First ${r.items.length} of ${r.total}; type to filter.`
          : `${r.total} to choose from.`;
      show(document.activeElement === input || list.contains(document.activeElement));
    } catch (ex) {
      if (mine !== seq) return;
      asked = undefined; // asked again next time: the connection may be authorised by then
      list.replaceChildren();
      show(false);
      status.textContent = `No list to choose from: ${ex.message}`;
    }
  };

  input.addEventListener('focus', () => void fill());
  input.addEventListener('input', (e) => {
    // A pick (not typed) is the value wanted: the list stays closed.
    if (!e.isTrusted) return;
    clearTimeout(timer);
    timer = setTimeout(() => void fill(), WAIT_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') show(false);
    if (e.key !== 'ArrowDown' || list.hidden) return;
    e.preventDefault();
    list.firstElementChild?.focus();
  });
  // Leaving the input for the list keeps it open; leaving both closes it.
  const leave = (e) => {
    if (e.relatedTarget !== input && !list.contains(e.relatedTarget)) show(false);
  };
  input.addEventListener('blur', leave);
  list.addEventListener('focusout', leave);
  // A press on the list must not take the focus away before the click lands.
  list.addEventListener('mousedown', (e) => e.preventDefault());
  return { element: h('div', { class: 'choice-picker' }, list, status), statusId: status.id };
}
