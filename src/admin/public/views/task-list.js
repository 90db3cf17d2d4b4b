// The job editor's ordered task list: add a task of any type the plugins offer, remove
// one, move one up or down; each task's options come from its type's schema.
import { h } from '../dom.js';
import { taskOptions } from './task-options.js';

let serial = 0;

/** `taskTypes`: [{ type, schema }]; `tasks`: the file's list (`[{ upload: {...} }]`). */
export function taskList(taskTypes, tasks, connection) {
  const schemaOf = new Map(taskTypes.map((t) => [t.type, t.schema]));
  const items = [];
  const list = h('ol', { class: 'task-list', id: 'task-list' });
  const empty = h('p', { class: 'muted', text: 'No tasks yet: add the first one below.' });

  function paint() {
    list.replaceChildren(...items.map((it) => it.li));
    items.forEach((it, i) => {
      it.li.dataset.task = String(i);
      it.up.disabled = i === 0;
      it.down.disabled = i === items.length - 1;
    });
    empty.hidden = items.length > 0;
  }

  function move(it, by) {
    const i = items.indexOf(it);
    items.splice(i, 1);
    items.splice(i + by, 0, it);
    paint();
  }

  function add(type, options) {
    const schema = schemaOf.get(type);
    const id = `task${++serial}-`;
    const it = { type, form: schema ? taskOptions(schema, options, { idPrefix: id, connection }) : null };
    const small = (text, label, onclick) =>
      h('button', { type: 'button', class: 'btn small ghost', 'aria-label': label, onclick }, text);
    it.up = small('↑', 'Move up', () => move(it, -1));
    it.down = small('↓', 'Move down', () => move(it, 1));
    it.error = h('p', { class: 'field-error', role: 'alert', hidden: true });
    it.li = h(
      'li',
      { class: 'task-item', dataset: { type } },
      h(
        'div',
        { class: 'row task-head' },
        h('strong', { text: schema?.title ?? type }),
        schema?.description ? h('span', { class: 'muted small', text: schema.description }) : null,
        h(
          'span',
          { class: 'row end' },
          it.up,
          it.down,
          small('Remove', 'Remove task', () => {
            items.splice(items.indexOf(it), 1);
            paint();
          }),
        ),
      ),
      it.form?.element ?? h('p', { class: 'error', text: `No loaded plugin offers the task type '${type}'.` }),
      it.error,
    );
    it.options = options;
    items.push(it);
    paint();
    return it;
  }

  for (const t of tasks ?? []) {
    const [type] = Object.keys(t);
    add(type, t[type] ?? {});
  }

  const picker = h(
    'select',
    { id: 'add-task-type', 'aria-label': 'Task type' },
    taskTypes.map((t) => h('option', { value: t.type, text: t.schema.title ?? t.type })),
  );
  const element = h(
    'div',
    { class: 'card', id: 'tasks-editor' },
    h('h2', { text: 'Tasks' }),
    h('p', { class: 'muted', text: 'Run in order; each task gets what the previous one handed on.' }),
    list,
    empty,
    h(
      'div',
      { class: 'row' },
      picker,
      h(
        'button',
        {
          type: 'button',
          class: 'btn',
          id: 'add-task',
          onclick: () => add(picker.value, {}).li.querySelector('input, select')?.focus(),
        },
        'Add task',
      ),
    ),
  );
  return {
    element,
    value: () => items.map((it) => ({ [it.type]: it.form ? it.form.value() : it.options })),
    /** `index`, and the path below the task's options (e.g. `to`); false when there is no such task. */
    showProblem(index, path, message) {
      const it = items[index];
      if (!it) return false;
      if (path && it.form?.showProblem(path, message)) return true;
      it.error.textContent = message;
      it.error.hidden = false;
      return true;
    },
    clearProblems() {
      for (const el of list.querySelectorAll('.field-error')) el.hidden = true;
    },
  };
}
