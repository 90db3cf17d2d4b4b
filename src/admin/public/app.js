// The dropcron admin page: plain DOM, no build step. Everything shown comes from the
// JSON API under /api; text is always set with textContent (never parsed as HTML).
const $ = (sel, root = document) => root.querySelector(sel);
const state = { csrf: null, events: null, connections: [], jobs: [], route: [], live: new Map() };

// ---------- small DOM helper ----------
function h(tag, attrs = {}, ...children) {
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

// ---------- API ----------
class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}
/** `version`: the ETag an edit is based on (sent as If-Match; a stale one gets 409). */
async function api(method, path, body, version) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
  if (version) headers['if-match'] = `"${version}"`;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    // The daemon is down or restarting: say so, and let the event stream find it again.
    offline(true);
    throw new ApiError(0, 'dropcron cannot be reached; reconnecting');
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && path !== '/api/session') {
    showSignIn();
    throw new ApiError(401, 'sign in first');
  }
  if (!res.ok) throw new ApiError(res.status, data.error || `${res.status} ${res.statusText}`);
  return data;
}

/** An error shown in `el`; a save refused as stale (409) also offers to reload the page's data. */
function showError(el, ex) {
  const reload =
    ex.status === 409 ? h('button', { type: 'button', class: 'btn small', onclick: () => route() }, 'Reload') : null;
  el.replaceChildren(ex.message, ...(reload ? [' ', reload] : []));
  el.hidden = false;
}

function toast(text, kind = 'ok', ex) {
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

// Phones show table rows as cards; each cell carries its column's name.
function labelled(table) {
  const names = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  for (const tr of table.querySelectorAll('tbody tr'))
    [...tr.children].forEach((td, i) => {
      if (names[i]) td.dataset.label = names[i];
    });
  return table;
}

/** A list table (connections, jobs, run history): column headings, then one row per item. */
function dataTable(id, headings, rows) {
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
function itemRow(section, item, ...cells) {
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

// ---------- formatting ----------
const STATUS_TEXT = {
  authorised: 'Authorised',
  'needs-authorisation': 'Needs authorisation',
  'needs-reauthorisation': 'Needs re-authorisation',
  error: 'Error',
  unknown: 'Unknown',
};
const badge = (s) => h('span', { class: `badge ${s}`, text: STATUS_TEXT[s] ?? s });
const outcomeBadge = (o) => h('span', { class: `badge outcome-${o ?? 'none'}`, text: o ?? 'never run' });
function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const diff = (d.getTime() - Date.now()) / 1000;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const rel =
    abs < 60
      ? rtf.format(Math.round(diff), 'second')
      : abs < 3600
        ? rtf.format(Math.round(diff / 60), 'minute')
        : abs < 86400
          ? rtf.format(Math.round(diff / 3600), 'hour')
          : rtf.format(Math.round(diff / 86400), 'day');
  return rel;
}
const timeEl = (iso) =>
  iso
    ? h('time', { datetime: iso, title: new Date(iso).toLocaleString(), text: when(iso) })
    : h('span', { class: 'muted', text: '—' });
// The rule of src/format-bytes.ts (one decimal below 10 of a unit, none from 10 up), so
// the page and the CLI show the same numbers; the page cannot import the core's TypeScript.
function bytes(n) {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n || 0; // a run with no byte count shows 0 B
  let i = 0;
  while (v >= 1023.5 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 9.95 ? 1 : 0)} ${u[i]}`;
}
function duration(ms) {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

// ---------- sign-in ----------
function showSignIn() {
  state.csrf = null;
  state.events?.close();
  state.events = null;
  $('#signin').hidden = false;
  $('#view').replaceChildren();
  $('#nav').hidden = true;
  $('#signout').hidden = true;
  $('#password').focus();
}
async function signedIn(csrf) {
  state.csrf = csrf;
  $('#signin').hidden = true;
  $('#nav').hidden = false;
  $('#signout').hidden = false;
  listen();
  await route();
}
$('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const err = $('#signin-error');
  err.hidden = true;
  try {
    const { csrf } = await api('POST', '/api/session', { password: $('#password').value });
    $('#password').value = '';
    await signedIn(csrf);
  } catch (ex) {
    err.textContent = ex.message;
    err.hidden = false;
  }
});
$('#signout').addEventListener('click', async () => {
  await api('DELETE', '/api/session').catch(() => {});
  showSignIn();
});

// ---------- live events ----------
/** The "connection lost, reconnecting" banner; once back, the page reloads its data. */
function offline(lost) {
  const banner = $('#offline');
  const was = !banner.hidden;
  banner.hidden = !lost;
  if (was && !lost) void route({ quiet: true });
}

const RETRY_MS = 2000;
function listen() {
  if (state.events) return;
  const es = new EventSource('/api/events');
  state.events = es;
  es.addEventListener('open', () => offline(false));
  es.addEventListener('error', () => {
    offline(true);
    // The browser retries by itself while it can; a closed stream (e.g. refused) is retried here.
    if (es.readyState !== EventSource.CLOSED || state.events !== es) return;
    state.events = null;
    setTimeout(() => {
      if (state.csrf) listen();
    }, RETRY_MS);
  });
  es.addEventListener('connection', () => {
    if (state.route[0] === 'connections') void route({ quiet: true });
  });
  es.addEventListener('run:start', (e) => {
    const d = JSON.parse(e.data);
    state.live.set(d.runId, { job: d.job, lines: [], progress: null, dryRun: d.dryRun });
    if (state.route[0] === 'jobs') void route({ quiet: true });
  });
  es.addEventListener('run:progress', (e) => {
    const d = JSON.parse(e.data);
    const run = state.live.get(d.runId);
    if (run) {
      run.progress = d;
      renderLive(d.runId);
    }
    for (const bar of document.querySelectorAll(`[data-run-progress="${CSS.escape(d.runId)}"]`)) {
      bar.max = d.bytes.total || 1;
      bar.value = d.bytes.done;
    }
  });
  es.addEventListener('run:log', (e) => {
    const d = JSON.parse(e.data);
    const run = state.live.get(d.runId);
    if (run) {
      run.lines.push(d);
      renderLive(d.runId);
    }
  });
  es.addEventListener('run:end', (e) => {
    const { run } = JSON.parse(e.data);
    const live = state.live.get(run.id);
    if (live) {
      live.ended = run;
      renderLive(run.id);
      // A dry run's plan is kept by the server; fetched once the run is over.
      if (run.dryRun)
        void api('GET', `/api/runs/${encodeURIComponent(run.id)}/log`).then(
          (kept) => {
            Object.assign(live, { plan: kept.plan, planned: kept.planned });
            renderLive(run.id);
          },
          () => {},
        );
    }
    if (state.route[0] === 'jobs') void route({ quiet: true });
  });
}

// OAuth popups report back here (same origin only).
window.addEventListener('message', (e) => {
  if (e.origin !== location.origin || e.data?.type !== 'dropcron:oauth') return;
  toast(e.data.message, e.data.ok ? 'ok' : 'error');
  void route({ quiet: true });
});

// ---------- routing ----------
window.addEventListener('hashchange', () => void route());
let routeSeq = 0;
async function route(opts = {}) {
  if (!state.csrf) return;
  // Only the newest call may paint: a slow refresh must not replace a newer page.
  const seq = ++routeSeq;
  const parts = (location.hash.replace(/^#\/?/, '') || 'connections').split('/').map(decodeURIComponent);
  state.route = parts;
  for (const a of document.querySelectorAll('[data-nav]'))
    a.setAttribute('aria-current', a.dataset.nav === parts[0] ? 'page' : 'false');
  const view = $('#view');
  try {
    let node;
    if (parts[0] === 'jobs' && parts[1]) node = await jobView(parts[1]);
    else if (parts[0] === 'jobs') node = await jobsView();
    else if (parts[0] === 'connections' && parts[1] === 'new') node = connectionForm(null);
    else if (parts[0] === 'connections' && parts[1]) node = await connectionView(parts[1], parts[2]);
    else node = await connectionsView();
    if (seq !== routeSeq) return;
    // A quiet refresh must not throw away what someone is typing.
    if (
      opts.quiet &&
      view.contains(document.activeElement) &&
      document.activeElement.matches('input, select, textarea')
    )
      return;
    view.replaceChildren(node);
    node.afterMount?.();
    if (!opts.quiet) $('#main').focus({ preventScroll: true });
  } catch (ex) {
    if (ex.status === 401 || seq !== routeSeq) return;
    view.replaceChildren(
      h(
        'div',
        { class: 'card' },
        h('p', { class: 'error', role: 'alert', text: ex.message }),
        h('a', { href: '#/connections', text: 'Back to connections' }),
      ),
    );
  }
}

// ---------- connections ----------
async function connectionsView() {
  const { connections, problems } = await api('GET', '/api/connections');
  state.connections = connections;
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
        h('span', { text: c.facts.account ?? '—' }),
        c.sandbox ? h('span', { class: 'tag', text: 'sandbox' }) : null,
      ),
      h('td', { text: c.proxy }),
      h('td', {}, timeEl(c.lastUsed)),
    ),
  );
  return h(
    'section',
    { class: 'stack' },
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', { text: 'Connections' }),
        h('p', {
          class: 'muted',
          text: 'Dropbox accounts your jobs use. Each is a YAML file in the connections folder; secrets entered here are kept encrypted.',
        }),
      ),
      h('a', { class: 'btn primary', href: '#/connections/new', text: '+ New connection' }),
    ),
    problemsBox(problems),
    connections.length
      ? h(
          'div',
          { class: 'card flush' },
          dataTable('connections', ['Name', 'Status', 'Account', 'Type', 'Proxy', 'Last used'], rows),
        )
      : h(
          'div',
          { class: 'card empty' },
          h('p', { text: 'No connections yet.' }),
          h('a', { class: 'btn primary', href: '#/connections/new', text: 'Create the first one' }),
        ),
  );
}

function problemsBox(problems, title = 'Files with problems (their last valid version keeps running):') {
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

async function connectionView(name, tab = 'overview') {
  const { connection: c } = await api('GET', `/api/connections/${encodeURIComponent(name)}`);
  const base = `#/connections/${encodeURIComponent(name)}`;
  const tabs = [
    ['overview', 'Overview'],
    ['settings', 'Settings'],
    ['proxy', 'Proxy'],
    ['browse', 'Folders'],
  ];
  const body =
    tab === 'settings'
      ? connectionForm(c)
      : tab === 'proxy'
        ? proxyForm(c)
        : tab === 'browse'
          ? browsePanel(c)
          : overview(c);
  return h(
    'section',
    { class: 'stack' },
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
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
      ),
      authButtons(c),
    ),
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

function authButtons(c) {
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
  let begun;
  try {
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
            void route({ quiet: true });
          } catch (ex) {
            err.textContent = ex.message;
            err.hidden = false;
          }
        },
      },
      h('h2', { id: 'ext-title', text: 'Authenticate in another browser' }),
      h('p', {
        class: 'muted',
        text: 'Open this address in any browser (on any machine), sign in and allow access. Dropbox then shows a code: paste it below. The link works once, for 10 minutes.',
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
      h('div', { class: 'field' }, h('label', { for: 'auth-code', text: 'Code from Dropbox' }), code),
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
  if (
    !confirm(
      `Disconnect '${c.name}'? Dropcron revokes its access at Dropbox and forgets the tokens; jobs using it stop until you authenticate again.`,
    )
  )
    return;
  try {
    const r = await api('POST', `/api/connections/${encodeURIComponent(c.name)}/disconnect`);
    toast(r.revoked ? 'Disconnected and revoked at Dropbox.' : `Disconnected${r.detail ? `: ${r.detail}` : '.'}`);
    void route({ quiet: true });
  } catch (ex) {
    toast(ex.message, 'error');
  }
}

function overview(c) {
  const report = h('div', { id: 'test-report' });
  const testBtn = h(
    'button',
    {
      class: 'btn',
      type: 'button',
      id: 'test',
      onclick: async () => {
        testBtn.disabled = true;
        report.replaceChildren(h('p', { class: 'muted', text: 'Testing…' }));
        try {
          const { report: r } = await api('POST', `/api/connections/${encodeURIComponent(c.name)}/test`);
          report.replaceChildren(testReport(r));
        } catch (ex) {
          report.replaceChildren(h('p', { class: 'error', role: 'alert', text: ex.message }));
        }
        testBtn.disabled = false;
      },
    },
    'Test connection',
  );
  const applies = (k) =>
    k === 'appSecret'
      ? c.settings.app === 'custom'
      : k.startsWith('proxy.')
        ? typeof c.settings.proxy === 'object'
        : true;
  const secretList = Object.entries(c.secrets)
    .filter(([k, s]) => s.set || applies(k))
    .map(([k, s]) =>
      h(
        'li',
        {},
        h('code', { text: k }),
        ': ',
        s.set
          ? h('span', {
              class: 'ok-text',
              text:
                s.source === 'vault'
                  ? 'set (encrypted)'
                  : s.source === 'env'
                    ? `set (from \${${s.variable}})`
                    : 'set in the YAML file (move it here to encrypt it)',
            })
          : h('span', { class: 'muted', text: 'not set' }),
      ),
    );
  return h(
    'div',
    { class: 'grid two' },
    h(
      'div',
      { class: 'card' },
      h('h2', { text: 'Summary' }),
      h(
        'dl',
        { class: 'facts' },
        h('dt', { text: 'Account type' }),
        h('dd', { text: c.facts.account ?? 'personal' }),
        h('dt', { text: 'App' }),
        h('dd', {
          text: c.settings.app === 'custom' ? `your own app (${c.settings.appKey ?? 'no key'})` : 'built-in app',
        }),
        h('dt', { text: 'Proxy' }),
        h('dd', { text: c.proxy }),
        h('dt', { text: 'Last used' }),
        h('dd', {}, timeEl(c.lastUsed)),
        h('dt', { text: 'Used by jobs' }),
        h('dd', { text: c.jobs.length ? c.jobs.join(', ') : 'none' }),
        h('dt', { text: 'Callback URL' }),
        h(
          'dd',
          {},
          h('code', { text: c.callbackUrl }),
          h('div', { class: 'muted small', text: 'Register it with your app to authenticate from this page.' }),
        ),
      ),
      secretList.length ? h('div', {}, h('h3', { text: 'Secrets' }), h('ul', { class: 'plain' }, secretList)) : null,
      h(
        'div',
        { class: 'row' },
        testBtn,
        h(
          'button',
          {
            class: 'btn danger-ghost',
            type: 'button',
            id: 'delete',
            onclick: async () => {
              if (
                !confirm(
                  `Delete connection '${c.name}'? Its file and stored secrets are removed and its access is revoked.`,
                )
              )
                return;
              try {
                await api('DELETE', `/api/connections/${encodeURIComponent(c.name)}`);
                toast(`Deleted ${c.name}.`);
                location.hash = '#/connections';
              } catch (ex) {
                toast(ex.message, 'error');
              }
            },
          },
          'Delete',
        ),
      ),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', { text: 'Test' }),
      report.childNodes.length
        ? report
        : (report.append(
            h('p', {
              class: 'muted',
              text: 'Checks the account, granted scopes and quota with a round trip through the proxy.',
            }),
          ),
          report),
    ),
  );
}

function testReport(r) {
  const d = r.details || {};
  const quota = d.quota || d.space;
  const used = quota?.used ?? quota?.usedBytes;
  const total = quota?.allocated ?? quota?.total ?? quota?.allocatedBytes;
  return h(
    'div',
    { class: 'stack' },
    h(
      'p',
      {},
      r.ok ? h('span', { class: 'badge authorised', text: 'OK' }) : h('span', { class: 'badge error', text: 'Failed' }),
    ),
    h(
      'dl',
      { class: 'facts' },
      r.lines.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]),
    ),
    typeof used === 'number' && typeof total === 'number' && total > 0
      ? h(
          'div',
          { class: 'quota' },
          h('label', { for: 'quota-bar', text: `Space: ${bytes(used)} of ${bytes(total)} used` }),
          h('progress', { id: 'quota-bar', max: total, value: used, text: `${Math.round((used / total) * 100)}%` }),
        )
      : null,
  );
}

// Settings form for a new (c = null) or existing connection.
function connectionForm(c) {
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
      if (c) void route({ quiet: true });
    } catch (ex) {
      showError(err, ex);
    }
  });
  return form;
}

function proxyForm(c) {
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
    else if ($('#proxy-clear', form)?.checked) secrets['proxy.password'] = null;
    const err = $('#proxy-error', form);
    err.hidden = true;
    try {
      await api('PATCH', `/api/connections/${encodeURIComponent(c.name)}`, { settings: { proxy }, secrets }, c.version);
      toast('Proxy saved.');
      void route({ quiet: true });
    } catch (ex) {
      showError(err, ex);
    }
  });
  return form;
}

function browsePanel(c) {
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
function browseFolders(connection, start) {
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
        h('button', { type: 'button', class: 'crumb', onclick: () => load(''), text: 'Dropbox' }),
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

// ---------- jobs ----------
async function jobsView() {
  const { jobs, problems } = await api('GET', '/api/jobs');
  state.jobs = jobs;
  const rows = jobs.map((j) =>
    itemRow(
      'jobs',
      j,
      h(
        'td',
        {},
        h('div', { text: j.scheduleWords }),
        h('code', { class: 'muted small', text: j.schedule }),
        fileErrorsBadge(j),
      ),
      h('td', { text: j.timezone }),
      h('td', {}, j.enabled ? timeEl(j.nextRun) : h('span', { class: 'muted', text: 'disabled' })),
      h(
        'td',
        {},
        j.running ? h('span', { class: 'badge running', text: 'running' }) : outcomeBadge(j.lastOutcome),
        j.running && j.runId
          ? miniProgress(j.runId)
          : j.lastRunAt
            ? h('div', { class: 'muted small' }, timeEl(j.lastRunAt))
            : null,
      ),
      h('td', { class: 'right' }, runButton(j)),
    ),
  );
  return h(
    'section',
    { class: 'stack' },
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', { text: 'Jobs' }),
        h('p', { class: 'muted', text: 'Scheduled transfers. Each is a YAML file in the jobs folder.' }),
      ),
    ),
    problemsBox(problems),
    jobs.length
      ? h(
          'div',
          { class: 'card flush' },
          dataTable('jobs', ['Job', 'Schedule', 'Time zone', 'Next run', 'Last run', ''], rows),
        )
      : h(
          'div',
          { class: 'card empty' },
          h('p', { text: 'No jobs yet: add a YAML file to the jobs folder (see jobs/*.yaml examples).' }),
        ),
  );
}

// A job whose file broke on disk: its last valid version keeps running and stays listed.
function fileErrorsBadge(j) {
  return j.fileProblems?.length
    ? h('div', {}, h('span', { class: 'badge error', 'data-file-errors': j.name, text: 'file has errors' }))
    : null;
}

function fileProblemsCard(job) {
  return problemsBox(
    job.fileProblems,
    `${job.file} has errors; what is shown here is its last valid version, which keeps running:`,
  );
}

// A small bar in the job list, moved by run:progress events.
function miniProgress(runId) {
  const p = state.live.get(runId)?.progress;
  return h('progress', {
    class: 'mini',
    'data-run-progress': runId,
    'aria-label': 'Transfer progress',
    max: p?.bytes.total || 1,
    value: p?.bytes.done ?? 0,
  });
}

function runButton(j, dry = false) {
  return h(
    'button',
    {
      class: `btn small ${dry ? '' : 'primary'}`,
      type: 'button',
      'data-run': j.name,
      disabled: j.running && !dry,
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          const { runId } = await api('POST', `/api/jobs/${encodeURIComponent(j.name)}/run`, { dryRun: dry });
          if (!state.live.has(runId)) state.live.set(runId, { job: j.name, lines: [], progress: null, dryRun: dry });
          toast(`${dry ? 'Dry run' : 'Run'} of ${j.name} started.`);
          location.hash = `#/jobs/${encodeURIComponent(j.name)}`;
          void route({ quiet: true });
        } catch (ex) {
          toast(ex.message, 'error');
          e.target.disabled = false;
        }
      },
    },
    dry ? 'Dry run' : 'Run now',
  );
}

async function jobView(name) {
  const [{ job }, { runs }] = await Promise.all([
    api('GET', `/api/jobs/${encodeURIComponent(name)}`),
    api('GET', `/api/jobs/${encodeURIComponent(name)}/runs?limit=20`),
  ]);
  // The run to show: the one in progress, else the last one started here, else the newest in history.
  const liveId = job.runId ?? [...state.live.entries()].reverse().find(([, r]) => r.job === name)?.[0] ?? runs[0]?.id;
  if (liveId && !state.live.get(liveId)?.lines.length) {
    const kept = await api('GET', `/api/runs/${encodeURIComponent(liveId)}/log`).catch(() => null);
    if (kept) {
      const ended = runs.find((r) => r.id === liveId);
      state.live.set(liveId, {
        job: name,
        lines: kept.lines,
        progress: kept.progress ?? null,
        plan: kept.plan,
        planned: kept.planned,
        ended: kept.ended ? (ended ?? state.live.get(liveId)?.ended) : undefined,
        dryRun: ended?.dryRun,
      });
    }
  }
  const section = h(
    'section',
    { class: 'stack' },
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('a', { href: '#/jobs', class: 'back', text: '← Jobs' }),
        h(
          'h1',
          {},
          job.name,
          ' ',
          job.running ? h('span', { class: 'badge running', text: 'running' }) : outcomeBadge(job.lastOutcome),
        ),
        h(
          'p',
          { class: 'muted' },
          `${job.scheduleWords} (${job.timezone}) · connection `,
          h('a', { href: `#/connections/${encodeURIComponent(job.connection)}`, text: job.connection }),
          ' · file ',
          h('code', { text: job.file }),
        ),
      ),
      h('div', { class: 'actions' }, runButton(job, true), runButton(job)),
    ),
    fileProblemsCard(job),
    h(
      'div',
      { class: 'grid two' },
      h(
        'div',
        { class: 'card' },
        h('h2', { text: 'Schedule' }),
        h(
          'dl',
          { class: 'facts' },
          h('dt', { text: 'When' }),
          h('dd', {}, job.scheduleWords, ' ', h('code', { class: 'muted', text: job.schedule })),
          h('dt', { text: 'Next runs' }),
          h(
            'dd',
            {},
            job.nextRuns.length
              ? h(
                  'ul',
                  { class: 'plain' },
                  job.nextRuns.map((r) =>
                    h(
                      'li',
                      {},
                      new Date(r).toLocaleString(undefined, {
                        timeZone: job.timezone,
                        dateStyle: 'medium',
                        timeStyle: 'short',
                      }),
                      ' ',
                      h('span', { class: 'muted small' }, '(', timeEl(r), ')'),
                    ),
                  ),
                )
              : 'disabled',
          ),
          h('dt', { text: 'Overlap' }),
          h('dd', { text: job.overlap === 'queue' ? 'queue the next run' : 'skip while running' }),
        ),
      ),
      tasksCard(job),
    ),
    h(
      'div',
      { class: 'card', id: 'live' },
      h('h2', { text: 'Latest run' }),
      h(
        'div',
        { id: 'live-body', dataset: { run: liveId ?? '' } },
        h('p', { class: 'muted', text: 'Not running. Press Run now to start it.' }),
      ),
    ),
    h('div', { class: 'card flush' }, h('h2', { class: 'pad', text: 'History' }), historyTable(runs)),
  );
  section.afterMount = () => {
    if (liveId && state.live.has(liveId)) renderLive(liveId);
  };
  return section;
}

function tasksCard(job) {
  return h(
    'div',
    { class: 'card' },
    h('h2', { text: 'Tasks' }),
    h(
      'ol',
      { class: 'tasks' },
      job.taskDetails.map((t) => {
        const keys = Object.keys(t.folders);
        return h(
          'li',
          {},
          h('strong', { text: t.type }),
          keys.length
            ? h(
                'div',
                { class: 'folders' },
                keys.map((k) => {
                  const id = `task-${t.index}-${k}`;
                  const input = h('input', {
                    id,
                    value: t.folders[k] ?? '',
                    placeholder: '/folder',
                    spellcheck: 'false',
                    'data-task': t.index,
                    'data-key': k,
                  });
                  return h(
                    'div',
                    { class: 'field inline' },
                    h('label', { for: id, text: `${k} (Dropbox folder)` }),
                    h(
                      'div',
                      { class: 'row' },
                      input,
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'btn small',
                          'data-choose': id,
                          onclick: async () => {
                            // Start in the parent of the current folder (before any {placeholder}).
                            const cur = input.value.trim();
                            const start = cur.startsWith('/')
                              ? cur
                                  .replace(/\{.*$/, '')
                                  .replace(/\/+$/, '')
                                  .replace(/\/[^/]*$/, '')
                              : '';
                            const path = await browseFolders(job.connection, start);
                            if (path !== null) {
                              input.value = path || '/';
                              input.dispatchEvent(new Event('input'));
                            }
                          },
                        },
                        'Choose…',
                      ),
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'btn small primary',
                          'data-save': id,
                          onclick: async () => {
                            try {
                              const saved = await api(
                                'PATCH',
                                `/api/jobs/${encodeURIComponent(job.name)}/tasks/${t.index}`,
                                { folders: { [k]: input.value.trim() } },
                                job.version,
                              );
                              job.version = saved.job.version; // the next save is based on this one
                              toast(`Saved ${k} of task ${t.index + 1}.`);
                            } catch (ex) {
                              toast(ex.message, 'error', ex);
                            }
                          },
                        },
                        'Save',
                      ),
                    ),
                  );
                }),
              )
            : null,
        );
      }),
    ),
  );
}

function renderLive(runId) {
  const body = $('#live-body');
  const run = state.live.get(runId);
  if (!body || !run || state.route[0] !== 'jobs' || state.route[1] !== run.job) return;
  body.dataset.run = runId;
  const p = run.progress;
  body.replaceChildren(
    ...[
      h(
        'p',
        {},
        run.ended ? outcomeBadge(run.ended.outcome) : h('span', { class: 'badge running', text: 'running' }),
        ' ',
        h('code', { class: 'muted small', text: runId }),
        run.dryRun ? h('span', { class: 'tag', text: 'dry run' }) : null,
      ),
      p ? progressView(p) : null,
      run.plan ? planTable(run) : null,
      run.ended?.error ? h('p', { class: 'error', text: run.ended.error }) : null,
      h(
        'pre',
        { class: 'log', 'aria-label': 'Run log', tabindex: 0 },
        run.lines.map((l) =>
          h('div', { class: `log-${l.level}` }, h('span', { class: 'lvl', text: l.level }), ' ', l.msg),
        ),
      ),
    ].filter(Boolean),
  );
  const pre = $('pre.log', body);
  pre.scrollTop = pre.scrollHeight;
}

// A dry run's plan, as `dropcron run --dry-run` prints it: each action, its reason, its size.
function planTable(run) {
  const more = run.planned > run.plan.length ? ` (the first ${run.plan.length} shown)` : '';
  return h(
    'div',
    { class: 'scroll' },
    h('h3', { text: `Plan: ${run.planned} action${run.planned === 1 ? '' : 's'}, nothing changed${more}` }),
    run.plan.length
      ? dataTable(
          'plan',
          ['Task', 'Action', 'Target', 'Reason', 'Size'],
          run.plan.map((a) =>
            h(
              'tr',
              {},
              h('td', { text: a.task }),
              h('td', { text: a.action }),
              h('td', {}, h('code', { text: a.target })),
              h('td', { text: a.reason ?? '' }),
              h('td', { class: 'right', text: a.bytes === undefined ? '' : bytes(a.bytes) }),
            ),
          ),
        )
      : null,
  );
}

// The run as a whole (files and bytes of those seen so far, rate, time left), then the files in flight.
function progressView(p) {
  const eta =
    p.etaSeconds !== null && p.bytes.done < p.bytes.total ? `, about ${duration(p.etaSeconds * 1000)} left` : '';
  return h(
    'div',
    { class: 'progress' },
    h(
      'label',
      { for: 'live-progress', id: 'live-overall' },
      `${p.files.done} of ${p.files.total} files · ${bytes(p.bytes.done)} of ${bytes(p.bytes.total)}`,
      p.rate > 0 ? ` · ${bytes(p.rate)}/s${eta}` : '',
    ),
    h('progress', { id: 'live-progress', max: p.bytes.total || 1, value: p.bytes.done }),
    p.current.length
      ? h(
          'ul',
          { class: 'plain small', id: 'live-current', 'aria-label': 'Files in progress' },
          p.current.map((c) => h('li', {}, `${c.task}: ${c.item} — ${bytes(c.done)} of ${bytes(c.total)}`)),
        )
      : null,
  );
}

function historyTable(runs) {
  if (!runs.length) return h('p', { class: 'muted pad', text: 'No runs yet.' });
  return h(
    'div',
    { class: 'scroll' },
    dataTable(
      'history',
      ['Started', 'Trigger', 'Outcome', 'Duration', 'Bytes', 'Tasks', 'Error'],
      runs.map((r) =>
        h(
          'tr',
          {},
          h('td', {}, timeEl(r.startedAt)),
          h(
            'td',
            {},
            r.trigger,
            r.attempt > 1 ? ` #${r.attempt}` : '',
            r.dryRun ? h('span', { class: 'tag', text: 'dry run' }) : null,
          ),
          h('td', {}, outcomeBadge(r.outcome)),
          h('td', { text: duration(r.durationMs) }),
          h('td', { text: bytes(r.bytes) }),
          h(
            'td',
            {},
            h(
              'ul',
              { class: 'plain small' },
              r.tasks.map((t) =>
                h(
                  'li',
                  {},
                  h('strong', { text: t.type }),
                  ' ',
                  Object.entries(t.counts)
                    .map(([k, n]) => `${k} ${n}`)
                    .join(', ') || 'nothing to do',
                  t.warnings?.length
                    ? h('span', {
                        class: 'warn-text',
                        text: ` · ${t.warnings.length} warning${t.warnings.length > 1 ? 's' : ''}`,
                      })
                    : null,
                  t.error ? h('div', { class: 'error', text: t.error }) : null,
                ),
              ),
            ),
          ),
          h('td', { class: 'error', text: r.error ?? '' }),
        ),
      ),
    ),
  );
}

// ---------- start ----------
(async () => {
  try {
    const { csrf } = await api('GET', '/api/session');
    await signedIn(csrf);
  } catch {
    showSignIn();
  }
})();
