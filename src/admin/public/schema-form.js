// A form built from a JSON Schema, so the admin code holds no plugin's fields.
//
//   const form = schemaForm(schema, { values, secrets, idPrefix, readonly, choices });
//   container.append(form.element);
//   form.check()            -> true, or false with each error shown next to its field
//   form.changes()          -> { key: value | null } for what the user changed (null: remove the key,
//                              also for a setting x-showWhen turned off); nested objects as nested
//                              objects; a default the control showed by itself is not written
//   form.secrets()          -> { 'dotted.path': value | null } typed secrets, and null for a set
//                              secret whose field no longer applies (x-showWhen turned it off)
//   form.showProblems(problems, prefix) -> the API's problems ({ path, message }) next to their
//                              fields (`prefix`, e.g. 'settings.', is dropped from paths);
//                              returns those that belong to no field
//   form.clearProblems()
//
// A property is shown when its schema has a `title`; a titled object becomes a group of its
// titled properties. Annotations read: title, description (the hint under the field),
// default (selected or shown as placeholder), enum with `x-enumTitles` ({ value: title }) or
// oneOf [{ const, title }], `x-secret` (a password field, sent through secrets()),
// `x-showWhen` ({ siblingKey: value | [values] }), `x-order` ([keys] on an object), and
// errorMessage (the words for a failed pattern or format). `values` is what the file says;
// `secrets` says per dotted path whether a secret is set ({ set, source, variable });
// `readonly` lists dotted paths shown but never sent; `idPrefix` keeps ids apart when one
// page holds several forms (ids are the dotted path with '-': `business-pathRoot`).
// `choices(name, query)` -> Promise<{ items: [{ value, title, detail }], total }> fills a list
// to pick from under each field marked `x-choices: name` (choice-picker.js).
// Also exported: fieldApplies(schema, path, values), the x-showWhen test for one path.
import { h } from './dom.js';
import { fieldError, inWords } from './schema-words.js';
import { at, choices, control, holds, isObject, ordered, same, secretHint } from './schema-controls.js';
import { choicePicker } from './choice-picker.js';

export { fieldApplies } from './schema-controls.js';

export function schemaForm(schema, opts = {}) {
  const values = opts.values ?? {};
  const secretInfo = opts.secrets ?? {};
  const prefix = opts.idPrefix ?? '';
  const fields = new Map(); // dotted path -> { schema, control, read, wrap, error, parent }
  const idOf = (path) => prefix + path.replaceAll('.', '-');

  function group(obj, base, parent) {
    return ordered(obj).map((key) => {
      const s = obj.properties[key];
      const path = base ? `${base}.${key}` : key;
      const id = idOf(path);
      const f = { schema: s, key, parent, base, obj };
      fields.set(path, f);
      if (isObject(s)) {
        f.wrap = h(
          'fieldset',
          { class: 'field group', id: `${id}-group` },
          h('legend', { text: s.title }),
          s.description ? h('p', { class: 'hint', text: s.description }) : null,
          h('div', { class: 'grid two' }, group(s, path, f)),
        );
        f.error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
        f.wrap.append(f.error);
        return f.wrap;
      }
      const [el, read, prefilled] = control(s, {
        id,
        current: at(values, path),
        secret: secretInfo[path],
        readonly: opts.readonly?.includes(path),
      });
      Object.assign(f, { control: el, read, prefilled });
      f.error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
      const hint = s['x-secret'] ? secretHint(secretInfo[path]) : s.description;
      const name = s['x-choices'];
      const picker = name && opts.choices ? choicePicker(el, (query) => opts.choices(name, query)) : null;
      el.setAttribute('aria-describedby', `${id}-hint ${id}-error${picker ? ` ${picker.statusId}` : ''}`);
      // A field's error goes once the field is changed; a new check then says if it is fixed.
      el.addEventListener('input', () => showOn(f, null));
      el.addEventListener('change', () => showOn(f, null));
      f.wrap =
        s.type === 'boolean' && !choices(s)
          ? h('div', { class: 'field' }, h('label', { class: 'check' }, el, ' ', s.title), f.error)
          : h(
              'div',
              { class: 'field' },
              h('label', { for: id, text: s.title }),
              el,
              picker?.element,
              hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null,
              f.error,
            );
      return f.wrap;
    });
  }

  /** The value a field now stands for: typed, else what the file says, else its default. */
  function valueOf(path) {
    const f = fields.get(path);
    if (f?.read) return f.read() ?? at(values, path) ?? f.schema.default;
    return at(values, path) ?? f?.schema.default;
  }
  function applies(f) {
    for (let g = f; g; g = g.parent)
      if (!holds(g.schema['x-showWhen'], (k) => valueOf(g.base ? `${g.base}.${k}` : k))) return false;
    return true;
  }
  function showOn(f, message) {
    f.error.textContent = message ?? '';
    f.error.hidden = !message;
    f.control?.setAttribute('aria-invalid', String(!!message));
  }
  const toggle = () => {
    for (const f of fields.values()) f.wrap.hidden = !applies(f);
  };

  const element = h('div', { class: 'schema-form grid two' }, group(schema, '', null));
  element.addEventListener('change', toggle);
  queueMicrotask(toggle);

  const leaves = () => [...fields].filter(([, f]) => f.read);
  return {
    element,
    check() {
      let ok = true;
      for (const [, f] of leaves()) {
        const message = applies(f) && !f.schema['x-secret'] ? fieldError(f, f.read(), schema) : null;
        showOn(f, message);
        if (message && ok) f.control.focus();
        ok &&= !message;
      }
      return ok;
    },
    changes() {
      const out = {};
      const put = (path, v) => {
        const segs = path.split('.');
        let o = out;
        for (const s of segs.slice(0, -1)) o = o[s] ??= {};
        o[segs.at(-1)] = v;
      };
      for (const [path, f] of fields) {
        if (f.schema['x-secret'] || opts.readonly?.includes(path)) continue;
        const before = at(values, path);
        if (!applies(f)) {
          // A setting that no longer applies leaves the file (the topmost one covers its children).
          if (before !== undefined && (!f.parent || applies(f.parent))) put(path, null);
          continue;
        }
        if (!f.read) continue;
        let now = f.read();
        if (Array.isArray(now) && !now.length) now = undefined;
        // A default the control showed by itself is not written; one typed by the user is.
        if (before === undefined && (now === undefined || (f.prefilled && same(now, f.schema.default)))) continue;
        if (!same(before, now)) put(path, now ?? null);
      }
      return out;
    },
    secrets() {
      const out = {};
      for (const [path, f] of leaves()) {
        if (!f.schema['x-secret']) continue;
        if (!applies(f)) {
          if (secretInfo[path]?.set) out[path] = null;
        } else if (f.read() !== undefined) out[path] = f.read();
      }
      return out;
    },
    showProblems(problems, strip = '') {
      const rest = [];
      for (const p of problems ?? []) {
        let path = p.path?.startsWith(strip) ? p.path.slice(strip.length) : (p.path ?? '');
        const words = inWords(p.message, (k) => (path = path ? `${path}.${k}` : k));
        while (path && !fields.has(path)) path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
        const f = fields.get(path);
        if (f && applies(f)) showOn(f, words(f.schema));
        else rest.push(p);
      }
      return rest;
    },
    clearProblems() {
      for (const f of fields.values()) showOn(f, null);
    },
  };
}
