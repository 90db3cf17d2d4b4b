// The job's trigger in the job editor: none, or one trigger type with its options as a
// form built from the type's schema (which carries the core's `debounce`).
//
//   const t = triggerField(triggerTypes, def.trigger, () => connectionName);
//   t.element; t.value() -> { <type>: options } or null; t.showProblem(path, message)
import { h } from '../dom.js';
import { taskOptions } from './task-options.js';

export function triggerField(triggerTypes, current, connection) {
  const [type0, options0] = current ? Object.entries(current)[0] : ['', {}];
  const select = h(
    'select',
    { id: 'job-trigger' },
    h('option', { value: '', text: 'Nothing: the schedule only' }),
    triggerTypes.map((t) => h('option', { value: t.type, text: t.schema.title ?? t.type, selected: t.type === type0 })),
  );
  const holder = h('div', { id: 'job-trigger-options' });
  let form;
  function show() {
    const t = triggerTypes.find((x) => x.type === select.value);
    // Another type starts from its defaults: the options of one mean nothing to another.
    form = t
      ? taskOptions(t.schema, t.type === type0 ? options0 : {}, { idPrefix: 'trigger-', connection })
      : undefined;
    holder.replaceChildren(
      ...(form ? [h('p', { class: 'hint', text: t.schema.description ?? '' }), form.element] : []),
    );
  }
  select.addEventListener('change', show);
  show();
  return {
    element: h(
      'div',
      {},
      h('div', { class: 'field' }, h('label', { for: 'job-trigger', text: 'Also starts when' }), select),
      holder,
    ),
    value: () => (form ? { [select.value]: form.value() } : null),
    /** `path` as the loader names it, e.g. `trigger.local.stableFor`; false when no field has it. */
    showProblem(path, message) {
      const m = /^trigger\.[^.]+\.(.+)$/.exec(path);
      return !!(m && form?.showProblem(m[1], message));
    },
  };
}
