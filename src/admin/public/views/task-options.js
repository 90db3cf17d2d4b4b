// One task's options as form controls, built from the task type's JSON Schema: titles,
// descriptions, defaults, enums, and `x-remotePath` (a folder in the connection's remote
// store, chosen with the folder browser). The core names no plugin field here; a
// generic schema renderer (schema-form.js) can take this module's place.
//
//   const form = taskOptions(schema, values, { idPrefix, connection: () => name });
//   form.element; form.value() -> the options object; form.showProblem(path, message)
import { h } from '../dom.js';
import { browseFolders } from './folder-browser.js';

const isObj = (s) => s?.type === 'object' && s.properties;
const types = (s) => (Array.isArray(s.type) ? s.type : [s.type]);

/** Text shown for a value: lists of masks as `a; b`. */
const shown = (v) => (Array.isArray(v) ? v.join('; ') : v === undefined || v === null ? '' : String(v));

/** The folder to open the browser in: the parent of the current one, before any {placeholder}. */
function startOf(value) {
  return value.startsWith('/')
    ? value
        .replace(/\{.*$/, '')
        .replace(/\/+$/, '')
        .replace(/\/[^/]*$/, '')
    : '';
}

/** A control for one option and the function that reads it back (undefined: not set). */
function control(s, id, current, opts) {
  if (s.enum) {
    const el = h(
      'select',
      { id },
      h('option', { value: '', text: s.default !== undefined ? `default (${s.default})` : '—' }),
      s.enum.map((v) => h('option', { value: v, text: v, selected: current === v })),
    );
    return [el, () => el.value || undefined];
  }
  if (types(s).includes('boolean')) {
    const el = h('input', { id, type: 'checkbox', checked: current ?? s.default ?? false });
    // Written only when it differs from the default, or when the file already says it.
    return [el, () => (el.checked === (s.default ?? false) && current === undefined ? undefined : el.checked)];
  }
  const numeric = types(s).length === 1 && types(s)[0] === 'integer';
  const el = h('input', {
    id,
    type: numeric ? 'number' : 'text',
    value: shown(current),
    placeholder: s.default !== undefined ? `default: ${s.default}` : (s.examples?.map(shown)[0] ?? ''),
    spellcheck: 'false',
  });
  const read = () => {
    const t = el.value.trim();
    if (t === '') return undefined;
    if (numeric || (types(s).includes('integer') && /^\d+$/.test(t))) return Number(t);
    // A list stays a list; text typed as `a; b` is what the schema calls one string separated by ';'.
    if (Array.isArray(current))
      return t
        .split(';')
        .map((x) => x.trim())
        .filter(Boolean);
    return t;
  };
  if (!s['x-remotePath']) return [el, read];
  const choose = h(
    'button',
    {
      type: 'button',
      class: 'btn small',
      'data-choose': id,
      onclick: async () => {
        const path = await browseFolders(opts.connection(), startOf(el.value.trim()));
        if (path !== null) {
          el.value = path || '/';
          el.dispatchEvent(new Event('input'));
        }
      },
    },
    'Choose…',
  );
  return [h('div', { class: 'row' }, el, choose), read, el];
}

function fields(schema, values, prefix, opts, fieldMap, base) {
  return Object.entries(schema.properties).map(([key, s]) => {
    const path = base ? `${base}.${key}` : key;
    const id = `${prefix}${path.replaceAll('.', '-')}`;
    const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
    if (isObj(s)) {
      const inner = new Map();
      const wrap = h(
        'fieldset',
        { class: 'field group', 'data-field': path },
        h('legend', { text: s.title ?? key }),
        s.description ? h('p', { class: 'hint', text: s.description }) : null,
        fields(s, values?.[key] ?? {}, prefix, opts, inner, path),
        error,
      );
      fieldMap.set(key, { wrap, error, inner, read: () => readAll(inner, values?.[key]) });
      return wrap;
    }
    const [el, read, input = el] = control(s, id, values?.[key], opts);
    input.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
    input.addEventListener('input', () => (error.hidden = true));
    const label = s.title ?? key;
    const wrap =
      input.type === 'checkbox'
        ? h('div', { class: 'field', 'data-field': path }, h('label', { class: 'check' }, el, ' ', label), error)
        : h(
            'div',
            { class: 'field', 'data-field': path },
            h('label', { for: id, text: label }),
            el,
            s.description ? h('p', { class: 'hint', id: `${id}-hint`, text: s.description }) : null,
            error,
          );
    fieldMap.set(key, { wrap, error, read });
    return wrap;
  });
}

/** The options object: what the file had (keys this form does not show stay), with each control's value. */
function readAll(fieldMap, original) {
  const out = { ...(original ?? {}) };
  for (const [key, f] of fieldMap) {
    const v = f.read();
    if (v === undefined || (typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length)) delete out[key];
    else out[key] = v;
  }
  return out;
}

export function taskOptions(schema, values, opts) {
  const fieldMap = new Map();
  const required = new Set(schema.required ?? []);
  const all = fields(schema, values, opts.idPrefix, opts, fieldMap, '');
  // The required options (and the remote folders) first; the rest (filters, policies) folded away.
  const main = all.filter((_, i) => {
    const key = Object.keys(schema.properties)[i];
    return required.has(key) || schema.properties[key]['x-remotePath'];
  });
  const more = all.filter((el) => !main.includes(el));
  const element = h(
    'div',
    { class: 'task-options' },
    h('div', { class: 'grid two' }, main),
    more.length
      ? h('details', {}, h('summary', { text: 'More options' }), h('div', { class: 'grid two' }, more))
      : null,
  );
  return {
    element,
    value: () => readAll(fieldMap, values),
    /** `path`: the option's path below the task, e.g. `to` or `sort.by`; false when no field has it. */
    showProblem(path, message) {
      const [key, ...rest] = path.split('.');
      let f = fieldMap.get(key);
      if (f?.inner && rest.length) f = f.inner.get(rest[0]) ?? f;
      if (!f) return false;
      f.error.textContent = message;
      f.error.hidden = false;
      f.wrap.closest('details')?.setAttribute('open', '');
      return true;
    },
  };
}
