// Signing a connection in (popup, or a code pasted from another browser) and out.
import { h, toast } from '../dom.js';
import { api } from '../api.js';
import { refresh } from '../state.js';
import { uiText } from '../schemas.js';

export function authButtons(c) {
  const authorised = c.status.state === 'authorised';
  return h(
    'div',
    { class: 'actions' },
    h(
      'button',
      {
        class: `btn ${authorised ? '' : 'primary'}`,
        type: 'button',
        id: 'auth-popup',
        onclick: () => authorizePopup(c),
      },
      c.status.state === 'needs-authorisation' ? 'Authenticate' : 'Re-authorise',
    ),
    h(
      'button',
      { class: 'btn', type: 'button', id: 'auth-external', onclick: () => authorizeExternal(c) },
      'External browser…',
    ),
    authorised
      ? h(
          'button',
          { class: 'btn danger-ghost', type: 'button', id: 'disconnect', onclick: () => disconnect(c) },
          'Disconnect',
        )
      : null,
  );
}

async function authorizePopup(c) {
  try {
    const { url } = await api('POST', `/api/connections/${encodeURIComponent(c.name)}/authorize`, { mode: 'redirect' });
    const w = window.open(url, 'dropcron-auth', 'popup,width=560,height=720');
    if (!w) toast('The browser blocked the popup; use "External browser…" instead.', 'error');
    else toast('Finish signing in in the popup window.');
  } catch (ex) {
    toast(ex.message, 'error');
  }
}

async function authorizeExternal(c) {
  let begun, ui;
  try {
    ui = await uiText(c.type);
    begun = await api('POST', `/api/connections/${encodeURIComponent(c.name)}/authorize`, { mode: 'paste' });
  } catch (ex) {
    toast(ex.message, 'error');
    return;
  }
  const dlg = h('dialog', { class: 'modal', 'aria-labelledby': 'ext-title' });
  const code = h('input', { id: 'auth-code', type: 'text', autocomplete: 'off', spellcheck: 'false', required: true });
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  const urlBox = h('input', { id: 'auth-url', type: 'text', readonly: true, value: begun.url });
  dlg.append(
    h(
      'form',
      {
        method: 'dialog',
        class: 'stack',
        onsubmit: async (e) => {
          e.preventDefault();
          err.hidden = true;
          try {
            const { status } = await api('POST', `/api/connections/${encodeURIComponent(c.name)}/authorize/complete`, {
              state: begun.state,
              code: code.value,
            });
            dlg.close();
            toast(
              status.state === 'authorised'
                ? `Authorised${status.label ? ` as ${status.label}` : ''}.`
                : status.detail || status.state,
              status.state === 'authorised' ? 'ok' : 'error',
            );
            void refresh({ quiet: true });
          } catch (ex) {
            err.textContent = ex.message;
            err.hidden = false;
          }
        },
      },
      h('h2', { id: 'ext-title', text: 'Authenticate in another browser' }),
      h('p', {
        class: 'muted',
        text: ui.pasteCodeHint,
      }),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'auth-url', text: 'Authorize URL' }),
        h(
          'div',
          { class: 'row' },
          urlBox,
          h(
            'button',
            {
              type: 'button',
              class: 'btn',
              onclick: async () => {
                try {
                  await navigator.clipboard.writeText(begun.url);
                  toast('Copied.');
                } catch {
                  urlBox.select();
                  toast('Press Ctrl+C to copy.');
                }
              },
            },
            'Copy',
          ),
          h('a', { class: 'btn', href: begun.url, target: '_blank', rel: 'noopener noreferrer', text: 'Open' }),
        ),
      ),
      h('div', { class: 'field' }, h('label', { for: 'auth-code', text: ui.pasteCodeLabel }), code),
      err,
      h(
        'div',
        { class: 'row end' },
        h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel'),
        h('button', { class: 'btn primary', type: 'submit' }, 'Finish'),
      ),
    ),
  );
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}

async function disconnect(c) {
  const ui = await uiText(c.type).catch(() => ({ service: 'the service' }));
  if (
    !confirm(
      `Disconnect '${c.name}'? Dropcron revokes its access at ${ui.service} and forgets the tokens; jobs using it stop until you authenticate again.`,
    )
  )
    return;
  try {
    const r = await api('POST', `/api/connections/${encodeURIComponent(c.name)}/disconnect`);
    toast(r.revoked ? `Disconnected and revoked at ${ui.service}.` : `Disconnected${r.detail ? `: ${r.detail}` : '.'}`);
    void refresh({ quiet: true });
  } catch (ex) {
    toast(ex.message, 'error');
  }
}
