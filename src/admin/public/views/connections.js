// The connections list.
import { h } from '../dom.js';
import { api } from '../api.js';
import { badge, itemRow, problemsBox, timeEl, page, listCard } from '../components.js';

export async function connectionsView() {
  const { connections, problems } = await api('GET', '/api/connections');
  const rows = connections.map((c) =>
    itemRow(
      'connections',
      c,
      h(
        'td',
        {},
        badge(c.status.state),
        c.status.detail && c.status.state !== 'authorised'
          ? h('div', { class: 'muted small', text: c.status.detail })
          : null,
      ),
      h('td', { text: c.status.label || '—' }),
      h(
        'td',
        {},
        // The plugin's first fact (describe()) is the connection's kind.
        h('span', { text: Object.values(c.facts)[0] ?? c.type }),
        c.sandbox ? h('span', { class: 'tag', text: 'sandbox' }) : null,
      ),
      h('td', { text: c.proxy }),
      h('td', {}, timeEl(c.lastUsed)),
    ),
  );
  return page(
    [
      h('h1', { text: 'Connections' }),
      h('p', {
        class: 'muted',
        text: 'The accounts your jobs use. Each is a YAML file in the connections folder; secrets entered here are kept encrypted.',
      }),
    ],
    h('a', { class: 'btn primary', href: '#/connections/new', text: '+ New connection' }),
    problemsBox(problems),
    listCard(
      'connections',
      ['Name', 'Status', 'Account', 'Type', 'Proxy', 'Last used'],
      rows,
      h('p', { text: 'No connections yet.' }),
      h('a', { class: 'btn primary', href: '#/connections/new', text: 'Create the first one' }),
    ),
  );
}
