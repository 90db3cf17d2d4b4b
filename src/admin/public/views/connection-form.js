// The settings form of a new or existing connection, built from its type's schema (the
// plugin's fields and the core's), so nothing here knows what a connection type asks for.
import { h, showError, toast } from '../dom.js';
import { api } from '../api.js';
import { refresh } from '../state.js';
import { typeSchemas } from '../schemas.js';
import { schemaForm } from '../schema-form.js';

export async function connectionForm(c) {
  const { connectionTypes } = await typeSchemas();
  const types = Object.keys(connectionTypes);
  let type = c?.type ?? types[0];
  let form;
  const holder = h('div');
  const build = () => {
    form = schemaForm(connectionTypes[type] ?? { properties: {} }, {
      values: c ? { ...c.settings, name: c.name } : {},
      secrets: c?.secrets,
      readonly: c ? ['name'] : [],
      // Lists to choose ids from come from the service, so only a saved connection has them.
      choices: (name, query) =>
        c
          ? api(
              'GET',
              `/api/connections/${encodeURIComponent(c.name)}/choices/${encodeURIComponent(name)}?q=${encodeURIComponent(query)}`,
            )
          : Promise.reject(new Error('create the connection and authorise it first')),
    });
    holder.replaceChildren(form.element);
  };
  build();
  const typeSelect =
    !c && types.length > 1
      ? h(
          'select',
          { id: 'type', onchange: (e) => ((type = e.target.value), build()) },
          types.map((t) => h('option', { value: t, text: t })),
        )
      : null;
  const err = h('p', { class: 'error', role: 'alert', id: 'form-error', hidden: true });
  const el = h(
    'form',
    { class: 'card form', id: 'connection-form', novalidate: true },
    h('h2', { text: c ? 'Settings' : 'New connection' }),
    typeSelect ? h('div', { class: 'field' }, h('label', { for: 'type', text: 'Type' }), typeSelect) : null,
    holder,
    err,
    h(
      'div',
      { class: 'row end' },
      c ? null : h('a', { class: 'btn', href: '#/connections', text: 'Cancel' }),
      h('button', { class: 'btn primary', type: 'submit', text: c ? 'Save' : 'Create connection' }),
    ),
  );
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    form.clearProblems();
    if (!form.check()) return;
    // Only what changed is sent (null removes a key), so keys added to the file by hand stay.
    const { name, ...settings } = form.changes();
    const secrets = form.secrets();
    try {
      if (c) {
        const saved = await api(
          'PATCH',
          `/api/connections/${encodeURIComponent(c.name)}`,
          { settings, secrets },
          c.version,
        );
        c.version = saved.connection.version; // the next save is based on this one
        toast('Saved.');
        // The page stays where the user is: same tab, same scroll, fresh data.
        void refresh({ quiet: true });
      } else {
        await api('POST', '/api/connections', { name, type, settings, secrets });
        toast(`Created ${name}.`);
        location.hash = `#/connections/${encodeURIComponent(name)}`;
      }
    } catch (ex) {
      // Problems tied to a field are shown there; the rest (and a stale save's reload offer) below.
      const rest = form.showProblems(ex.problems, 'settings.');
      showError(err, ex, ex.problems?.length && !rest.length ? 'Please correct the fields marked above.' : undefined);
    }
  });
  return el;
}
