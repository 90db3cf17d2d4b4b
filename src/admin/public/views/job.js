// A job's page: schedule, tasks, the latest run live, history.
import { h } from '../dom.js';
import { api } from '../api.js';
import { state } from '../state.js';
import { typeSchemas } from '../schemas.js';
import { outcomeBadge, page, problemsBox, timeEl } from '../components.js';
import { runButton } from './jobs.js';
import { tasksCard } from './tasks-card.js';
import { renderLive } from './run.js';
import { historyTable } from './history.js';

function fileProblemsCard(job) {
  return problemsBox(
    job.fileProblems,
    `${job.file} has errors; what is shown here is its last valid version, which keeps running:`,
  );
}

export async function jobView(name) {
  const [{ job }, { runs }, { taskTypes }] = await Promise.all([
    api('GET', `/api/jobs/${encodeURIComponent(name)}`),
    api('GET', `/api/jobs/${encodeURIComponent(name)}/runs?limit=20`),
    typeSchemas(),
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
  const section = page(
    [
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
    ],
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'btn small', href: `#/jobs/${encodeURIComponent(job.name)}/edit`, id: 'edit-job', text: 'Edit' }),
      runButton(job, true),
      runButton(job),
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
      tasksCard(job, taskTypes),
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
