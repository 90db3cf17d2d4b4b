// The pieces of a form built from a schema (schema-form.js): one input per leaf schema,
// the order and choices the schema's annotations ask for, the hint for a secret.
import { h } from './dom.js';

export const isObject = (s) => s?.type === 'object' && s.properties;

/** Choices of an enum-like schema as [value, title] pairs, or null. */
export function choices(s) {
  if (Array.isArray(s.enum)) return s.enum.map((v) => [v, s['x-enumTitles']?.[v] ?? String(v)]);
  if (Array.isArray(s.oneOf) && s.oneOf.every((b) => 'const' in b))
    return s.oneOf.map((b) => [b.const, b.title ?? String(b.const)]);
  return null;
}

export function ordered(schema) {
  const keys = Object.keys(schema.properties);
  const first = (schema['x-order'] ?? []).filter((k) => keys.includes(k));
  return [...first, ...keys.filter((k) => !first.includes(k))].filter((k) => schema.properties[k]?.title);
}

export function secretHint(info) {
  if (!info?.set) return 'Not set.';
  if (info.source === 'vault') return 'Set (stored encrypted). Leave empty to keep it; type a new one to replace it.';
  if (info.source === 'env') return `Set from \${${info.variable}}. Typing a value here stores it encrypted instead.`;
  return 'Set in the YAML file in clear text; type it here to move it to the encrypted store.';
}

export const at = (obj, path) => path.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The input for a leaf schema `s`, how to read its value (undefined: left empty), and whether
 * it starts out showing the default as a value (a select, a checkbox) rather than as a placeholder.
 */
export function control(s, { id, current, secret, readonly }) {
  const name = id;
  const opt = choices(s);
  if (opt) {
    const shown = current ?? s.default ?? opt[0]?.[0];
    const el = h(
      'select',
      { id, name },
      opt.map(([v, t]) => h('option', { value: String(v), selected: same(v, shown), text: t })),
    );
    return [el, () => opt.find(([v]) => String(v) === el.value)?.[0], true];
  }
  if (s.type === 'boolean') {
    const el = h('input', { type: 'checkbox', id, name, checked: (current ?? s.default) === true });
    return [el, () => el.checked, true];
  }
  if (s.type === 'integer' || s.type === 'number') {
    const el = h('input', {
      type: 'number',
      id,
      name,
      min: s.minimum,
      max: s.maximum,
      step: s.type === 'integer' ? 1 : 'any',
      value: current ?? '',
      placeholder: s.default,
    });
    return [el, () => (el.value.trim() === '' ? undefined : Number(el.value))];
  }
  if (s.type === 'array') {
    const el = h('textarea', { id, name, rows: 3, spellcheck: 'false' }, (current ?? []).join('\n'));
    return [
      el,
      () =>
        el.value
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
    ];
  }
  if (s['x-secret']) {
    const el = h('input', {
      type: 'password',
      id,
      name,
      autocomplete: 'new-password',
      placeholder: secret?.set ? '•••••••• (set)' : '',
    });
    return [el, () => el.value || undefined];
  }
  const el = h('input', {
    id,
    name,
    value: typeof current === 'string' ? current : '',
    placeholder: typeof s.default === 'string' ? s.default : '',
    autocomplete: 'off',
    spellcheck: 'false',
    readonly,
  });
  return [el, () => el.value.trim() || undefined];
}

/** Whether an `x-showWhen` ({ key: value | [values] }) holds, `valueOf(key)` giving each key's value. */
export function holds(when, valueOf) {
  return Object.entries(when ?? {}).every(([k, want]) =>
    Array.isArray(want) ? want.includes(valueOf(k)) : same(valueOf(k), want),
  );
}

/** Whether the field at dotted `path` applies to `values`: its parent objects exist and each x-showWhen holds. */
export function fieldApplies(schema, path, values) {
  let s = schema;
  let base = '';
  for (const k of path.split('.')) {
    const parent = base ? at(values, base) : values;
    if (!parent || typeof parent !== 'object') return false;
    const sub = s?.properties?.[k];
    if (!holds(sub?.['x-showWhen'], (key) => parent[key] ?? s.properties?.[key]?.default)) return false;
    s = sub;
    base = base ? `${base}.${k}` : k;
  }
  return true;
}
