// The small DOM helper every view uses: text is always set with textContent (never parsed as HTML).
import { refresh } from './state.js';

export const $ = (sel, root = document) => root.querySelector(sel);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat())
    if (c !== undefined && c !== null && c !== false)
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** An error shown in `el` (as `text`, else its message); a save refused as stale (409) also offers to reload the page's data. */
export function showError(el, ex, text = ex.message) {
  const reload =
    ex.status === 409 ? h('button', { type: 'button', class: 'btn small', onclick: () => refresh() }, 'Reload') : null;
  el.replaceChildren(text, ...(reload ? [' ', reload] : []));
  el.hidden = false;
}

export function toast(text, kind = 'ok', ex) {
  const t = $('#toast');
  if (ex) showError(t, ex);
  else t.textContent = text;
  t.className = `toast ${kind}`;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(
    () => {
      t.hidden = true;
    },
    kind === 'error' ? 8000 : 3500,
  );
}
