// The settings form of a new or existing connection.
import { $, h, toast, showError } from '../dom.js';
import { api } from '../api.js';
import { refresh } from '../state.js';

// Settings form for a new (c = null) or existing connection.
export function connectionForm(c) {
  const s = c?.settings ?? {};
  const sec = c?.secrets ?? {};
  const field = (id, label, input, hint) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: id, text: label }),
      input,
      hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null,
    );
  const select = (id, value, options) =>
    h(
      'select',
      { id, name: id },
      options.map(([v, t]) => h('option', { value: v, selected: v === value, text: t })),
    );
  const secretHint = (k) =>
    sec[k]?.set
      ? sec[k].source === 'vault'
        ? 'Set (stored encrypted). Leave empty to keep it; type a new one to replace it.'
        : sec[k].source === 'env'
          ? `Set from \${${sec[k].variable}}. Typing a value here stores it encrypted instead.`
          : 'Set in the YAML file in clear text; type it here to move it to the encrypted store.'
      : 'Not set.';
  const form = h(
    'form',
    { class: 'card form', id: 'connection-form', novalidate: true },
    h('h2', { text: c ? 'Settings' : 'New connection' }),
    h(
      'div',
      { class: 'grid two' },
      field(
        'name',
        'Name',
        h('input', {
          id: 'name',
          name: 'name',
          required: true,
          pattern: '[A-Za-z0-9][A-Za-z0-9._-]{0,63}',
          value: c?.name ?? '',
          readonly: !!c,
          'aria-describedby': 'name-hint',
        }),
        c
          ? 'The name is the file name; it cannot change.'
          : 'Letters, digits, dot, dash, underscore. Becomes connections/<name>.yaml.',
      ),
      field(
        'description',
        'Description',
        h('input', { id: 'description', name: 'description', value: s.description ?? '' }),
      ),
      field(
        'account',
        'Account',
        select('account', s.account ?? 'personal', [
          ['personal', 'Personal'],
          ['business', 'Business (team)'],
        ]),
      ),
      field(
        'app',
        'App',
        select('app', s.app ?? 'builtin', [
          ['builtin', "dropcron's registered app"],
          ['custom', 'My own app (key + secret)'],
        ]),
      ),
      field(
        'appKey',
        'App key',
        h('input', { id: 'appKey', name: 'appKey', value: s.appKey ?? '', autocomplete: 'off', spellcheck: 'false' }),
        'From the Dropbox App Console (own app only).',
      ),
      field(
        'appSecret',
        'App secret',
        h('input', {
          id: 'appSecret',
          name: 'appSecret',
          type: 'password',
          autocomplete: 'new-password',
          placeholder: sec.appSecret?.set ? '•••••••• (set)' : '',
          'aria-describedby': 'appSecret-hint',
        }),
        secretHint('appSecret'),
      ),
      field(
        'access',
        'Permission type',
        select('access', s.access ?? 'full', [
          ['full', 'Full Dropbox'],
          ['app-folder', 'App folder'],
        ]),
      ),
      field(
        'timeoutSeconds',
        'Timeout (seconds)',
        h('input', {
          id: 'timeoutSeconds',
          name: 'timeoutSeconds',
          type: 'number',
          min: 1,
          max: 3600,
          value: s.timeoutSeconds ?? 60,
        }),
      ),
      field(
        'redirectUrl',
        'Redirect URL (CLI sign-in)',
        h('input', {
          id: 'redirectUrl',
          name: 'redirectUrl',
          type: 'url',
          value: s.redirectUrl ?? '',
          placeholder: 'http://localhost:53682/oauth2/callback',
        }),
        'Must match a redirect URI registered with the app.',
      ),
      field(
        'pathRoot',
        'Business: root',
        select('pathRoot', s.business?.pathRoot ?? '', [
          ['', '(default)'],
          ['team', 'Team space'],
          ['home', 'My home folder'],
        ]),
      ),
    ),
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', id: 'sandbox', name: 'sandbox', checked: s.sandbox === true }),
      ' Use the bundled Dropbox sandbox (testing)',
    ),
    h('p', { class: 'error', role: 'alert', id: 'form-error', hidden: true }),
    h(
      'div',
      { class: 'row end' },
      c ? null : h('a', { class: 'btn', href: '#/connections', text: 'Cancel' }),
      h('button', { class: 'btn primary', type: 'submit', text: c ? 'Save' : 'Create connection' }),
    ),
  );
  const toggle = () => {
    const custom = $('#app', form).value === 'custom';
    for (const id of ['appKey', 'appSecret']) $(`#${id}`, form).closest('.field').hidden = !custom;
    $('#pathRoot', form).closest('.field').hidden = $('#account', form).value !== 'business';
  };
  form.addEventListener('change', toggle);
  queueMicrotask(toggle);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => $(`#${id}`, form).value.trim();
    const settings = { ...(c ? s : {}) };
    delete settings.proxy; // edited on its own tab; kept as is
    // A value equal to the schema's default is written only if the file already had the key.
    const unlessDefault = (key, value, dflt) => (value === dflt && !(key in s) ? undefined : value);
    Object.assign(settings, {
      description: v('description') || undefined,
      account: unlessDefault('account', v('account'), 'personal'),
      app: unlessDefault('app', v('app'), 'builtin'),
      appKey: v('app') === 'custom' ? v('appKey') || undefined : undefined,
      access: unlessDefault('access', v('access'), 'full'),
      timeoutSeconds: v('timeoutSeconds')
        ? unlessDefault('timeoutSeconds', Number(v('timeoutSeconds')), 60)
        : undefined,
      redirectUrl: v('redirectUrl') || undefined,
      sandbox: unlessDefault('sandbox', $('#sandbox', form).checked, false),
      business:
        v('account') === 'business' && v('pathRoot')
          ? { ...(s.business ?? {}), pathRoot: v('pathRoot') }
          : v('account') === 'business'
            ? s.business
            : undefined,
    });
    if (c && s.proxy !== undefined) settings.proxy = s.proxy;
    const secrets = {};
    if (v('app') === 'custom' && $('#appSecret', form).value) secrets.appSecret = $('#appSecret', form).value;
    // An edit sends only what changed (null removes a key), so keys added to the file by hand stay.
    const changed = {};
    for (const k of new Set([...Object.keys(s), ...Object.keys(settings)]))
      if (JSON.stringify(s[k]) !== JSON.stringify(settings[k])) changed[k] = settings[k] ?? null;
    const err = $('#form-error', form);
    err.hidden = true;
    try {
      if (c)
        await api('PATCH', `/api/connections/${encodeURIComponent(c.name)}`, { settings: changed, secrets }, c.version);
      else await api('POST', '/api/connections', { name: v('name'), type: 'dropbox', settings, secrets });
      toast(c ? 'Saved.' : `Created ${v('name')}.`);
      location.hash = `#/connections/${encodeURIComponent(c?.name ?? v('name'))}`;
      if (c) void refresh({ quiet: true });
    } catch (ex) {
      showError(err, ex);
    }
  });
  return form;
}
