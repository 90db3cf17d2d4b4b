// Pieces shared by the views: list tables, status badges, times, the problems box.
import { h } from './dom.js';
import { when } from './format.js';

// Phones show table rows as cards; each cell carries its column's name.
export function labelled(table) {
  const names = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  for (const tr of table.querySelectorAll('tbody tr'))
    [...tr.children].forEach((td, i) => {
      if (names[i]) td.dataset.label = names[i];
    });
  return table;
}

/** A list table (connections, jobs, run history): column headings, then one row per item. */
export function dataTable(id, headings, rows) {
  return labelled(
    h(
      'table',
      { class: 'table', id },
      h('thead', {}, h('tr', {}, ...headings.map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, rows),
    ),
  );
}

/** A row of a list page (`section` is 'connections' or 'jobs'): first the item's name linking to its page, its description below, then `cells`. */
export function itemRow(section, item, ...cells) {
  return h(
    'tr',
    { dataset: { name: item.name } },
    h(
      'td',
      {},
      h('a', { href: `#/${section}/${encodeURIComponent(item.name)}`, class: 'strong', text: item.name }),
      item.description ? h('div', { class: 'muted small', text: item.description }) : null,
    ),
    ...cells,
  );
}

const STATUS_TEXT = {
  authorised: 'Authorised',
  'needs-authorisation': 'Needs authorisation',
  'needs-reauthorisation': 'Needs re-authorisation',
  error: 'Error',
  unknown: 'Unknown',
};
export const badge = (s) => h('span', { class: `badge ${s}`, text: STATUS_TEXT[s] ?? s });
export const outcomeBadge = (o) => h('span', { class: `badge outcome-${o ?? 'none'}`, text: o ?? 'never run' });
export const timeEl = (iso) =>
  iso
    ? h('time', { datetime: iso, title: new Date(iso).toLocaleString(), text: when(iso) })
    : h('span', { class: 'muted', text: '—' });

export function problemsBox(problems, title = 'Files with problems (their last valid version keeps running):') {
  if (!problems?.length) return null;
  return h(
    'div',
    { class: 'card warn', role: 'alert' },
    h('strong', { text: title }),
    h(
      'ul',
      {},
      problems.map((p) => h('li', {}, h('code', { text: `${p.file}:${p.line}:${p.col}` }), ' ', p.message)),
    ),
  );
}

/** A page: its heading (title and the lines below it), the actions at its right, then its cards. */
export function page(head, actions, ...body) {
  return h('section', { class: 'stack' }, h('div', { class: 'page-head' }, h('div', {}, ...head), actions), ...body);
}

/** A list page's table, or (no rows yet) a card saying what to do. */
export function listCard(id, headings, rows, ...empty) {
  return rows.length
    ? h('div', { class: 'card flush' }, dataTable(id, headings, rows))
    : h('div', { class: 'card empty' }, ...empty);
}
