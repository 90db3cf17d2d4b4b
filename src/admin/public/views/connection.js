// A connection's page: its header with the sign-in buttons, and tabs.
import { h } from '../dom.js';
import { api } from '../api.js';
import { badge, page } from '../components.js';
import { authButtons } from './connection-auth.js';
import { overview } from './connection-overview.js';
import { connectionForm } from './connection-form.js';
import { proxyForm } from './proxy-form.js';
import { browsePanel } from './folder-browser.js';

export async function connectionView(name, tab = 'overview') {
  const { connection: c } = await api('GET', `/api/connections/${encodeURIComponent(name)}`);
  const base = `#/connections/${encodeURIComponent(name)}`;
  const tabs = [
    ['overview', 'Overview'],
    ['settings', 'Settings'],
    ['proxy', 'Proxy'],
    ['browse', 'Folders'],
  ];
  const body = await (tab === 'settings'
    ? connectionForm(c)
    : tab === 'proxy'
      ? proxyForm(c)
      : tab === 'browse'
        ? browsePanel(c)
        : overview(c));
  return page(
    [
      h('a', { href: '#/connections', class: 'back', text: '← Connections' }),
      h('h1', {}, c.name, ' ', badge(c.status.state)),
      h(
        'p',
        { class: 'muted' },
        c.status.label ? `Signed in as ${c.status.label}.` : (c.description ?? ''),
        ' ',
        h('span', { class: 'small' }, '· ', h('code', { text: `connections/${c.file}` })),
      ),
      c.status.detail && c.status.state !== 'authorised'
        ? h('p', { class: 'muted small', text: c.status.detail })
        : null,
    ],
    authButtons(c),
    h(
      'nav',
      { class: 'tabs', 'aria-label': 'Connection sections' },
      tabs.map(([id, label]) =>
        h('a', { href: `${base}/${id}`, 'aria-current': id === tab ? 'page' : 'false', text: label }),
      ),
    ),
    body,
  );
}
