// The dropcron admin page: plain DOM in native ES modules, no build step. Everything shown
// comes from the JSON API under /api. This file only routes (#/section/name/tab) and boots.
import { $, h, toast } from './dom.js';
import { api, apiEvents } from './api.js';
import { state, setRouter } from './state.js';
import { offline } from './live.js';
import { initSignIn, showSignIn, signedIn } from './views/signin.js';
import { connectionsView } from './views/connections.js';
import { connectionView } from './views/connection.js';
import { connectionForm } from './views/connection-form.js';
import { jobsView } from './views/jobs.js';
import { jobView } from './views/job.js';
import { jobEditor } from './views/job-editor.js';
import { clusterView } from './views/cluster.js';

apiEvents.unreachable = () => offline(true);
apiEvents.signedOut = showSignIn;
setRouter((opts) => route(opts));
initSignIn();

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
    if (parts[0] === 'jobs' && parts[1] === 'new') node = await jobEditor(null);
    else if (parts[0] === 'jobs' && parts[2] === 'edit') node = await jobEditor(parts[1]);
    else if (parts[0] === 'jobs' && parts[1]) node = await jobView(parts[1]);
    else if (parts[0] === 'jobs') node = await jobsView();
    else if (parts[0] === 'cluster') node = await clusterView();
    else if (parts[0] === 'connections' && parts[1] === 'new') node = await connectionForm(null);
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

// ---------- start ----------
(async () => {
  try {
    const { csrf } = await api('GET', '/api/session');
    await signedIn(csrf);
  } catch {
    showSignIn();
  }
})();
