// The job editor (#/jobs/new, #/jobs/<name>/edit): name, description, on/off, the
// connection, the schedule with its next runs, the trigger, the ordered tasks with
// their options.
// Saving sends only what changed, based on the version opened (a stale save gets 409
// with a reload offer); the daemon's problems show next to their fields.
import { h, showError, toast } from '../dom.js';
import { api } from '../api.js';
import { page } from '../components.js';
import { scheduleField } from './schedule-field.js';
import { taskList } from './task-list.js';
import { taskOptions } from './task-options.js';
import { triggerField } from './trigger-field.js';
import { jobActions } from './job-actions.js';

const enc = encodeURIComponent;
/** Job settings shown folded away, as controls built from the job schema. */
const MORE = ['timeout', 'catchUp', 'retries'];

/** The problems of a refused save: the API's list, else read from its one-line message. */
function problemsOf(ex) {
  if (Array.isArray(ex.problems)) return ex.problems;
  return ex.message
    .split('; ')
    .map((one) => /^\S+:\d+:\d+ (\S+) (.*)$/.exec(one))
    .filter(Boolean)
    .map(([, path, message]) => ({ path, message }));
}

function field(id, label, control, hint) {
  const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
  control.setAttribute('aria-describedby', `${id}-error`);
  control.addEventListener('input', () => (error.hidden = true));
  const wrap = h(
    'div',
    { class: 'field' },
    h('label', { for: id, text: label }),
    control,
    hint ? h('p', { class: 'hint', text: hint }) : null,
    error,
  );
  return { wrap, control, error };
}

export async function jobEditor(name) {
  const [schemas, zones, { connections }, detail] = await Promise.all([
    api('GET', '/api/task-types'),
    api('GET', '/api/timezones'),
    api('GET', '/api/connections'),
    name ? api('GET', `/api/jobs/${enc(name)}`).then((r) => r.job) : null,
  ]);
  const props = schemas.job.properties;
  let def = detail?.definition ?? {};
  let version = detail?.version;

  const f = {
    name: field(
      'job-name',
      'Name',
      h('input', { value: name ?? '', readonly: !!name, spellcheck: 'false' }),
      props.name.description,
    ),
    description: field('job-description', 'Description', h('input', { value: def.description ?? '' })),
    connection: field(
      'job-connection',
      'Connection',
      h(
        'select',
        {},
        h('option', { value: '', text: connections.length ? 'Choose a connection' : 'Add a connection first' }),
        connections.map((c) => h('option', { value: c.name, text: c.name, selected: c.name === def.connection })),
      ),
      props.connection.description,
    ),
    overlap: field(
      'job-overlap',
      'When the previous run is still going',
      h(
        'select',
        {},
        props.overlap.enum.map((v) =>
          h('option', { value: v, text: v, selected: v === (def.overlap ?? props.overlap.default) }),
        ),
      ),
      props.overlap.description,
    ),
  };
  for (const [k, x] of Object.entries(f)) x.control.id = `job-${k}`;
  const enabled = h('input', { type: 'checkbox', id: 'job-enabled', checked: def.enabled !== false });
  // A job only a trigger starts keeps having no schedule unless one is typed.
  const schedule = scheduleField(def.schedule ?? (def.trigger ? '' : '0 2 * * *'), def.timezone, zones);
  const trigger = triggerField(schemas.triggerTypes, def.trigger, () => f.connection.control.value);
  const tasks = taskList(schemas.taskTypes, def.tasks ?? [], () => f.connection.control.value);
  const more = taskOptions({ properties: Object.fromEntries(MORE.map((k) => [k, props[k]])) }, def, {
    idPrefix: 'job-',
    connection: () => f.connection.control.value,
  });
  const status = h('p', { class: 'error', role: 'alert', id: 'editor-error', hidden: true });

  /** The definition as the form holds it; '' and defaults not written become null (removed). */
  function current() {
    const overlap = f.overlap.control.value;
    return {
      description: f.description.control.value.trim() || null,
      enabled: enabled.checked ? (def.enabled === true ? true : null) : false,
      connection: f.connection.control.value || null,
      overlap: overlap === props.overlap.default && def.overlap === undefined ? null : overlap,
      ...schedule.value(),
      trigger: trigger.value(),
      ...Object.fromEntries(MORE.map((k) => [k, more.value()[k] ?? null])),
      tasks: tasks.value(),
    };
  }

  function showProblems(ex) {
    status.hidden = true;
    const rest = [];
    for (const p of problemsOf(ex)) {
      const t = /^tasks\[(\d+)\](?:\.[^.]+)?\.?(.*)$/.exec(p.path);
      const x = f[p.path];
      if (t && tasks.showProblem(Number(t[1]), t[2], p.message)) continue;
      if (schedule.showProblem(p.path, p.message)) continue;
      if (trigger.showProblem(p.path, p.message)) continue;
      if (MORE.includes(p.path.split('.')[0]) && more.showProblem(p.path, p.message)) continue;
      if (x) {
        x.error.textContent = p.message;
        x.error.hidden = false;
      } else rest.push(`${p.path} ${p.message}`.trim());
    }
    if (rest.length || !problemsOf(ex).length) showError(status, rest.length ? { message: rest.join('; ') } : ex);
    document.querySelector('.field-error:not([hidden])')?.scrollIntoView({ block: 'center' });
  }

  async function save(e) {
    e.preventDefault();
    tasks.clearProblems();
    for (const el of form.querySelectorAll('.field-error')) el.hidden = true;
    status.hidden = true;
    const now = current();
    try {
      if (!name) {
        const definition = Object.fromEntries(Object.entries(now).filter(([, v]) => v !== null));
        const made = await api('POST', '/api/jobs', { name: f.name.control.value.trim(), definition });
        toast(`Job ${made.job.name} created.`);
        location.hash = `#/jobs/${enc(made.job.name)}/edit`;
        return;
      }
      // Only what changed: keys and comments written by hand elsewhere in the file stay.
      const changes = Object.fromEntries(
        Object.entries(now).filter(([k, v]) => JSON.stringify(v ?? null) !== JSON.stringify(def[k] ?? null)),
      );
      if (!Object.keys(changes).length) return toast('Nothing changed.');
      const saved = await api('PATCH', `/api/jobs/${enc(name)}`, { definition: changes }, version);
      ({ definition: def, version } = saved.job);
      toast(`Saved ${name}.`);
    } catch (ex) {
      if (ex.status === 400) showProblems(ex);
      else showError(status, ex);
    }
  }

  const form = h(
    'form',
    { class: 'stack', id: 'job-editor', novalidate: true, onsubmit: save },
    h(
      'div',
      { class: 'card' },
      h('h2', { text: 'Job' }),
      h('div', { class: 'grid two' }, f.name.wrap, f.description.wrap, f.connection.wrap, f.overlap.wrap),
      h('label', { class: 'check' }, enabled, ' Enabled (runs on its schedule)'),
      more.element,
    ),
    h('div', { class: 'card' }, h('h2', { text: 'Schedule' }), schedule.element),
    h('div', { class: 'card' }, h('h2', { text: 'Trigger' }), trigger.element),
    tasks.element,
    status,
    h(
      'div',
      { class: 'row end' },
      h('button', { type: 'submit', class: 'btn primary', id: 'save-job' }, name ? 'Save' : 'Create job'),
    ),
  );
  return page(
    [
      h('a', { href: name ? `#/jobs/${enc(name)}` : '#/jobs', class: 'back', text: name ? `← ${name}` : '← Jobs' }),
      h('h1', { text: name ? `Edit ${name}` : 'New job' }),
      detail?.file ? h('p', { class: 'muted' }, 'file ', h('code', { text: detail.file })) : null,
    ],
    name ? jobActions(name) : null,
    form,
  );
}
