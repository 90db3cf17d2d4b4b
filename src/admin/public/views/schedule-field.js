// The schedule in the job editor: a cron expression and a time zone, with the next runs
// and the words for it while typing (or what is wrong with it), from the daemon's own
// checks (GET /api/schedule).
import { h } from '../dom.js';
import { api } from '../api.js';

const PAUSE_MS = 250;

export function scheduleField(schedule, timezone, zones) {
  const cron = h('input', {
    id: 'job-schedule',
    value: schedule ?? '',
    placeholder: '0 2 * * *',
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'schedule-preview job-schedule-error',
  });
  const tz = h('input', {
    id: 'job-timezone',
    value: timezone ?? '',
    list: 'timezones',
    placeholder: `default: ${zones.default}`,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'job-timezone-error',
  });
  const words = h('p', { class: 'strong', id: 'schedule-words' });
  const runs = h('ul', { class: 'plain small', id: 'schedule-runs' });
  const preview = h('div', { id: 'schedule-preview', role: 'status', 'aria-live': 'polite' }, words, runs);
  const cronError = h('p', { class: 'field-error', id: 'job-schedule-error', role: 'alert', hidden: true });
  const tzError = h('p', { class: 'field-error', id: 'job-timezone-error', role: 'alert', hidden: true });

  let seq = 0;
  let timer;
  async function update() {
    const mine = ++seq;
    const zone = tz.value.trim();
    const q = new URLSearchParams({ cron: cron.value, ...(zone ? { timezone: zone } : {}) });
    try {
      const p = await api('GET', `/api/schedule?${q}`);
      if (mine !== seq) return; // a newer keystroke has asked since
      words.textContent = p.problem ?? p.words;
      words.className = p.problem ? 'error' : 'strong';
      runs.replaceChildren(
        ...(p.nextRuns ?? []).map((r) =>
          h('li', {
            text: new Date(r).toLocaleString(undefined, {
              timeZone: p.timezone,
              weekday: 'short',
              year: 'numeric',
              month: 'short',
              day: 'numeric',
              hour: '2-digit',
              minute: '2-digit',
            }),
          }),
        ),
      );
    } catch (ex) {
      if (mine === seq) words.textContent = ex.message;
    }
  }
  const soon = () => {
    cronError.hidden = true;
    tzError.hidden = true;
    clearTimeout(timer);
    timer = setTimeout(update, PAUSE_MS);
  };
  cron.addEventListener('input', soon);
  tz.addEventListener('input', soon);
  void update();

  return {
    element: h(
      'div',
      { class: 'grid two' },
      h(
        'div',
        {},
        h('div', { class: 'field' }, h('label', { for: 'job-schedule', text: 'Schedule (cron)' }), cron, cronError),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'job-timezone', text: 'Time zone' }),
          tz,
          h(
            'datalist',
            { id: 'timezones' },
            zones.timezones.map((z) => h('option', { value: z })),
          ),
          tzError,
        ),
      ),
      h('div', { class: 'field' }, h('span', { class: 'label', text: 'Next runs' }), preview),
    ),
    // An empty schedule is none (a job a trigger starts): removed, not written as ''.
    value: () => ({ schedule: cron.value.trim() || null, timezone: tz.value.trim() || null }),
    showProblem(key, message) {
      const el = key === 'schedule' ? cronError : key === 'timezone' ? tzError : null;
      if (!el) return false;
      el.textContent = message;
      el.hidden = false;
      return true;
    },
  };
}
