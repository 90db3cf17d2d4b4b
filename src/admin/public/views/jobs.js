// The jobs list, and the run buttons the job page shares.
import { h, toast } from '../dom.js';
import { api } from '../api.js';
import { state, refresh } from '../state.js';
import { itemRow, outcomeBadge, problemsBox, timeEl, page, listCard } from '../components.js';

export async function jobsView() {
  const { jobs, problems } = await api('GET', '/api/jobs');
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
  return page(
    [
      h('h1', { text: 'Jobs' }),
      h('p', { class: 'muted', text: 'Scheduled transfers. Each is a YAML file in the jobs folder.' }),
    ],
    h('a', { class: 'btn primary', href: '#/jobs/new', id: 'new-job', text: 'New job' }),
    problemsBox(problems),
    listCard(
      'jobs',
      ['Job', 'Schedule', 'Time zone', 'Next run', 'Last run', ''],
      rows,
      h('p', { text: 'No jobs yet: press New job, or add a YAML file to the jobs folder.' }),
    ),
  );
}

// A job whose file broke on disk: its last valid version keeps running and stays listed.
export function fileErrorsBadge(j) {
  return j.fileProblems?.length
    ? h('div', {}, h('span', { class: 'badge error', 'data-file-errors': j.name, text: 'file has errors' }))
    : null;
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

export function runButton(j, dry = false) {
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
          void refresh({ quiet: true });
        } catch (ex) {
          toast(ex.message, 'error');
          e.target.disabled = false;
        }
      },
    },
    dry ? 'Dry run' : 'Run now',
  );
}
