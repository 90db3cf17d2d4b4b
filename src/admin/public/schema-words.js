// Errors in words for forms built from schemas: the schema's own words (errorMessage)
// where it has them, else ajv's and the loader's messages made readable; and the checks a
// form runs before it sends anything.

/** Ajv's phrasing -> words a person reads, for the field whose schema is `s`. */
function readable(message, s) {
  const msg = String(message ?? '').trim();
  let m;
  if (/^must match (pattern|format)/.test(msg))
    return (
      s.errorMessage ??
      (/"uri"/.test(msg) ? 'must be a full address, such as https://example.com/' : 'is not in the expected form')
    );
  if ((m = /^must be >= (\S+)/.exec(msg))) return `must be at least ${m[1]}`;
  if ((m = /^must be <= (\S+)/.exec(msg))) return `must be at most ${m[1]}`;
  if (/^must be integer/.test(msg)) return 'must be a whole number';
  if (/^must NOT have fewer than 1 characters?/.test(msg)) return 'cannot be empty';
  if (/^must be equal to one of the allowed values/.test(msg) && Array.isArray(s.enum))
    return `must be one of: ${s.enum.map((v) => s['x-enumTitles']?.[v] ?? v).join(', ')}`;
  return msg;
}

/**
 * A problem's message from the API, in words for its field. A missing property is
 * reported on its parent: `descend(key)` moves the problem to the property itself.
 */
export function inWords(message, descend) {
  const missing = /must have required property '([^']+)'/.exec(message ?? '');
  if (missing) descend(missing[1]);
  return (s) => (missing ? 'is required' : readable(message, s));
}

/** What is wrong with `value` in field `f` (its schema, key, parent), or null; `root`: the form's schema. */
export function fieldError(f, value, root) {
  const s = f.schema;
  const required = (f.parent ? f.parent.schema : root).required ?? [];
  if (value === undefined) return required.includes(f.key) ? 'is required' : null;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'must be a number';
    if (s.type === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
    if (s.minimum !== undefined && value < s.minimum) return `must be at least ${s.minimum}`;
    if (s.maximum !== undefined && value > s.maximum) return `must be at most ${s.maximum}`;
  }
  if (typeof value === 'string') {
    if (s.minLength && value.length < s.minLength) return 'cannot be empty';
    if (s.pattern && !new RegExp(s.pattern, 'u').test(value)) return readable('must match pattern', s);
    if (s.format === 'uri' && !URL.canParse(value)) return readable('must match format "uri"', s);
  }
  return null;
}
