// A connection's proxy tab.
import { $, h, toast, showError } from '../dom.js';
import { api } from '../api.js';
import { refresh } from '../state.js';

export function proxyForm(c) {
  const p =
    typeof c.settings.proxy === 'object' && c.settings.proxy ? c.settings.proxy : { type: c.settings.proxy ?? 'none' };
  const pw = c.secrets['proxy.password'];
  const field = (id, label, input, hint) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: id, text: label }),
      input,
      hint ? h('p', { class: 'hint', text: hint }) : null,
    );
  const form = h(
    'form',
    { class: 'card form', id: 'proxy-form', novalidate: true },
    h('h2', { text: 'Proxy' }),
    h('p', { class: 'muted', text: 'All traffic of this connection, sign-in included, goes through this proxy.' }),
    h(
      'div',
      { class: 'grid two' },
      field(
        'proxy-type',
        'Proxy type',
        h(
          'select',
          { id: 'proxy-type' },
          [
            ['none', 'No proxy'],
            ['system', 'System (HTTP(S)_PROXY, NO_PROXY)'],
            ['http', 'HTTP'],
            ['https', 'HTTPS'],
            ['socks5', 'SOCKS5'],
          ].map(([v, t]) => h('option', { value: v, selected: v === p.type, text: t })),
        ),
      ),
      field(
        'proxy-host',
        'Address',
        h('input', { id: 'proxy-host', value: p.host ?? '', autocomplete: 'off', spellcheck: 'false' }),
      ),
      field(
        'proxy-port',
        'Port',
        h('input', { id: 'proxy-port', type: 'number', min: 1, max: 65535, value: p.port ?? '' }),
      ),
      field(
        'proxy-username',
        'Username',
        h('input', { id: 'proxy-username', value: p.username ?? '', autocomplete: 'off' }),
      ),
      field(
        'proxy-password',
        'Password',
        h('input', {
          id: 'proxy-password',
          type: 'password',
          autocomplete: 'new-password',
          placeholder: pw?.set ? '•••••••• (set)' : '',
        }),
        pw?.set
          ? pw.source === 'vault'
            ? 'Set (stored encrypted). Leave empty to keep it.'
            : pw.source === 'env'
              ? `Set from \${${pw.variable}}.`
              : 'Set in the YAML file in clear text; type it here to encrypt it.'
          : 'Not set.',
      ),
    ),
    pw?.set
      ? h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', id: 'proxy-clear' }),
          ' Remove the stored password',
        )
      : null,
    h('p', { class: 'error', role: 'alert', id: 'proxy-error', hidden: true }),
    h('div', { class: 'row end' }, h('button', { class: 'btn primary', type: 'submit', text: 'Save proxy' })),
  );
  const toggle = () => {
    const t = $('#proxy-type', form).value;
    for (const id of ['proxy-host', 'proxy-port', 'proxy-username', 'proxy-password'])
      $(`#${id}`, form).closest('.field').hidden = t === 'none' || t === 'system';
  };
  form.addEventListener('change', toggle);
  queueMicrotask(toggle);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => $(`#${id}`, form).value.trim();
    const type = v('proxy-type');
    const proxy =
      type === 'none' || type === 'system'
        ? type
        : {
            ...(typeof c.settings.proxy === 'object' ? c.settings.proxy : {}),
            type,
            host: v('proxy-host') || undefined,
            port: v('proxy-port') ? Number(v('proxy-port')) : undefined,
            username: v('proxy-username') || undefined,
          };
    const secrets = {};
    if (typeof proxy === 'object' && $('#proxy-password', form).value)
      secrets['proxy.password'] = $('#proxy-password', form).value;
    // No proxy (or the system's): its password no longer applies, so it leaves the vault and the YAML.
    else if ($('#proxy-clear', form)?.checked || (typeof proxy !== 'object' && c.secrets['proxy.password']?.set))
      secrets['proxy.password'] = null;
    const err = $('#proxy-error', form);
    err.hidden = true;
    try {
      const saved = await api(
        'PATCH',
        `/api/connections/${encodeURIComponent(c.name)}`,
        { settings: { proxy }, secrets },
        c.version,
      );
      // The next save is based on this one, also if the page is not repainted (focus in a field).
      Object.assign(c, saved.connection);
      toast('Proxy saved.');
      void refresh({ quiet: true });
    } catch (ex) {
      showError(err, ex);
    }
  });
  return form;
}
