// A job's run history table.
import { h } from '../dom.js';
import { dataTable, outcomeBadge, timeEl } from '../components.js';
import { bytes, duration } from '../format.js';

export function historyTable(runs) {
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
