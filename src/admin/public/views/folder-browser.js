// The folder browser dialog (in index.html) and the connection tab that opens it.
import { $, h } from '../dom.js';
import { api } from '../api.js';
import { bytes } from '../format.js';

export function browsePanel(c) {
  const out = h('p', { class: 'muted', id: 'browse-picked', text: 'No folder chosen yet.' });
  return h(
    'div',
    { class: 'card' },
    h('h2', { text: 'Folders' }),
    h('p', {
      class: 'muted',
      text: "Look around the account. Choosing a folder here shows its path to copy into a job; on a job's page it fills the task's folder.",
    }),
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        {
          class: 'btn primary',
          type: 'button',
          id: 'open-browser',
          onclick: async () => {
            const path = await browseFolders(c.name, '');
            if (path !== null) out.replaceChildren('Chosen: ', h('code', { text: path || '/' }));
          },
        },
        'Browse folders…',
      ),
      out,
    ),
  );
}

// ---------- folder browser (dialog) ----------
// Single click selects, double click (or Enter) opens; resolves with the chosen path or null.
export function browseFolders(connection, start) {
  const dlg = $('#browser');
  const list = $('.entries', dlg);
  const crumbs = $('.crumbs', dlg);
  const status = $('.browser-status', dlg);
  const picked = $('.picked code', dlg);
  let cwd = start || '';
  let selected = cwd;
  const parent = (p) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
  const select = (path, li) => {
    selected = path;
    picked.textContent = path || '/';
    for (const el of list.children) el.setAttribute('aria-selected', String(el === li));
  };
  const load = async (path) => {
    status.textContent = 'Loading…';
    list.replaceChildren();
    try {
      const { entries } = await api(
        'GET',
        `/api/connections/${encodeURIComponent(connection)}/browse?path=${encodeURIComponent(path)}`,
      );
      cwd = path;
      select(path, null);
      const segs = path.split('/').filter(Boolean);
      crumbs.replaceChildren(
        h('button', { type: 'button', class: 'crumb', onclick: () => load(''), text: connection }),
        ...segs
          .map((s, i) => [
            h('span', { class: 'sep', text: '/' }),
            h('button', {
              type: 'button',
              class: 'crumb',
              onclick: () => load('/' + segs.slice(0, i + 1).join('/')),
              text: s,
            }),
          ])
          .flat(),
      );
      const sorted = [...entries].sort((a, b) => b.folder - a.folder || a.name.localeCompare(b.name));
      for (const e of sorted) {
        const li = h(
          'li',
          {
            role: 'option',
            'aria-selected': 'false',
            class: e.folder ? 'folder' : 'file',
            tabindex: -1,
            dataset: { path: e.path },
          },
          h('span', { class: `icon ${e.folder ? 'i-folder' : 'i-file'}`, 'aria-hidden': 'true' }),
          h('span', { class: 'ename', text: e.name }),
          e.folder ? null : h('span', { class: 'muted small', text: bytes(e.size ?? 0) }),
        );
        if (e.folder) {
          li.addEventListener('click', () => select(e.path, li));
          li.addEventListener('dblclick', () => load(e.path));
          li.addEventListener('focus', () => select(e.path, li));
        }
        list.append(li);
      }
      status.textContent = entries.length
        ? `${entries.filter((e) => e.folder).length} folders, ${entries.filter((e) => !e.folder).length} files`
        : 'This folder is empty.';
      // The focused entry was just replaced: keep the keyboard in the list.
      if (dlg.contains(document.activeElement) || document.activeElement === document.body)
        list.focus({ preventScroll: true });
    } catch (ex) {
      status.textContent = ex.message;
    }
  };
  // Keyboard: arrows move between folders, Enter opens one, Backspace goes up.
  list.onkeydown = (k) => {
    const folders = [...list.querySelectorAll('li.folder')];
    const at = folders.findIndex((li) => li.getAttribute('aria-selected') === 'true');
    if (k.key === 'ArrowDown' || k.key === 'ArrowUp') {
      k.preventDefault();
      const next = folders[Math.max(0, Math.min(folders.length - 1, at + (k.key === 'ArrowDown' ? 1 : -1)))];
      next?.focus();
    } else if (k.key === 'Enter' && at >= 0) {
      k.preventDefault();
      load(folders[at].dataset.path);
    } else if (k.key === 'Backspace') {
      k.preventDefault();
      load(parent(cwd));
    }
  };
  return new Promise((resolve) => {
    const onClick = (e) => {
      const act = e.target.closest('[data-act]')?.dataset.act;
      if (act === 'home') load('');
      else if (act === 'up') load(parent(cwd));
      else if (act === 'choose') {
        dlg.returnValue = 'choose';
        dlg.close('choose');
      }
    };
    dlg.addEventListener('click', onClick);
    dlg.addEventListener(
      'close',
      () => {
        dlg.removeEventListener('click', onClick);
        resolve(dlg.returnValue === 'choose' ? selected : null);
      },
      { once: true },
    );
    dlg.returnValue = '';
    dlg.showModal();
    void load(cwd);
  });
}
