// The live event stream (/api/events): run progress and logs, connection changes, and the
// "connection lost, reconnecting" banner while the daemon cannot be reached.
import { $ } from './dom.js';
import { api } from './api.js';
import { state, refresh } from './state.js';
import { renderLive } from './views/run.js';

/** The "connection lost, reconnecting" banner; once back, the page reloads its data. */
export function offline(lost) {
  const banner = $('#offline');
  const was = !banner.hidden;
  banner.hidden = !lost;
  if (was && !lost) void refresh({ quiet: true });
}

const RETRY_MS = 2000;
export function listen() {
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
    if (state.route[0] === 'connections') void refresh({ quiet: true });
  });
  es.addEventListener('run:start', (e) => {
    const d = JSON.parse(e.data);
    state.live.set(d.runId, { job: d.job, lines: [], progress: null, dryRun: d.dryRun });
    if (state.route[0] === 'jobs') void refresh({ quiet: true });
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
    if (state.route[0] === 'jobs') void refresh({ quiet: true });
  });
}
