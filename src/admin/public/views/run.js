// The latest run of a job: live progress, a dry run's plan, the links it made, its log.
import { $, h, toast } from '../dom.js';
import { state } from '../state.js';
import { dataTable, outcomeBadge, timeEl } from '../components.js';
import { bytes, duration } from '../format.js';

export function renderLive(runId) {
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
      linksTable(run.ended),
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

// Links the run's tasks made (upload or list with `link:`): each file, its link to open
// or copy, and until when it works. The run record keeps them, so they outlive the page.
function linksTable(record) {
  const links = (record?.tasks ?? []).flatMap((t, i) =>
    (t.links ?? []).map((l) => ({ ...l, task: `${i + 1}. ${t.type}` })),
  );
  if (!links.length) return null;
  return h(
    'div',
    { class: 'scroll' },
    h('h3', { text: `Links: ${links.length}` }),
    dataTable(
      'links',
      ['Task', 'File', 'Link', 'Expires'],
      links.map((l) =>
        h(
          'tr',
          {},
          h('td', { text: l.task }),
          h('td', {}, h('code', { text: l.target })),
          h(
            'td',
            {},
            h('a', { href: l.url, target: '_blank', rel: 'noopener noreferrer', text: l.url }),
            ' ',
            h(
              'button',
              {
                type: 'button',
                class: 'btn small',
                'aria-label': `Copy the link to ${l.target}`,
                onclick: () =>
                  navigator.clipboard.writeText(l.url).then(
                    () => toast('Link copied.'),
                    () => toast('The browser refused the clipboard: copy the link from the table.', 'error'),
                  ),
              },
              'Copy',
            ),
          ),
          h('td', {}, l.expires ? timeEl(l.expires) : 'does not expire'),
        ),
      ),
    ),
  );
}

// The run as a whole (files and bytes done of those its tasks planned, rate, time left), then the files in flight.
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
