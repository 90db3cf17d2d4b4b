// The cluster: the shared store's health and every daemon with its heartbeat and the runs
// it holds (GET /api/cluster). A daemon on the file store, or without that route, shows no
// Cluster page at all; an answer missing parts shows what it has.
import { h } from '../dom.js';
import { api } from '../api.js';
import { listCard, page, timeEl } from '../components.js';

/**
 * Whether this daemon is part of a cluster: it answers /api/cluster with a shared store.
 * The nav shows the page only then (on the file store the daemon is alone).
 */
export async function hasCluster() {
  try {
    const cluster = await api('GET', '/api/cluster');
    return cluster?.store?.kind !== 'file';
  } catch {
    return false;
  }
}

function storeLine(store) {
  if (!store) return null;
  return h(
    'p',
    { id: 'cluster-store' },
    'Shared store: ',
    h('strong', { text: String(store.kind ?? 'unknown') }),
    ' ',
    h('span', { class: `badge ${store.ok ? 'authorised' : 'error'}`, text: store.ok ? 'OK' : 'failing' }),
    store.error ? h('span', { class: 'error', text: ` ${store.error}` }) : null,
  );
}

function daemonRow(d) {
  const running = Array.isArray(d.running) ? d.running : [];
  return h(
    'tr',
    { dataset: { daemon: String(d.id ?? '') } },
    h(
      'td',
      {},
      h('code', { text: String(d.id ?? '—') }),
      d.self ? h('span', { class: 'tag', text: 'this one' }) : null,
    ),
    h('td', { text: `${d.host ?? '—'}${d.pid ? ` (pid ${d.pid})` : ''}` }),
    h('td', {}, timeEl(d.startedAt)),
    h(
      'td',
      {},
      h('span', { class: `badge ${d.alive ? 'authorised' : 'error'}`, text: d.alive ? 'alive' : 'silent' }),
      h('div', { class: 'muted small' }, timeEl(d.heartbeatAt)),
    ),
    h(
      'td',
      {},
      running.length
        ? h(
            'ul',
            { class: 'plain small' },
            running.map((r) =>
              h(
                'li',
                {},
                h('a', { href: `#/jobs/${encodeURIComponent(r.job ?? '')}`, text: String(r.job ?? '?') }),
                ' since ',
                timeEl(r.startedAt),
              ),
            ),
          )
        : h('span', { class: 'muted', text: 'idle' }),
    ),
  );
}

export async function clusterView() {
  const { store, daemons } = await api('GET', '/api/cluster');
  const list = Array.isArray(daemons) ? daemons : [];
  return page(
    [
      h('h1', { text: 'Cluster' }),
      h('p', { class: 'muted', text: 'The daemons sharing this state store, and the runs each one holds.' }),
    ],
    null,
    h('div', { class: 'card' }, storeLine(store) ?? h('p', { class: 'muted', text: 'No store reported.' })),
    listCard(
      'daemons',
      ['Daemon', 'Host', 'Started', 'Heartbeat', 'Running'],
      list.map(daemonRow),
      h('p', { text: 'No daemon has reported yet.' }),
    ),
  );
}
