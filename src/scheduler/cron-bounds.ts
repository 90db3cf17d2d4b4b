// Bounds of a cron expression, checked before node-cron sees it. node-cron expands
// every range into an array of its values, so `1-99999999999` in a minute field
// allocates until the process dies (a native "invalid size error", not an exception)
// and `0-100000000` takes 19 s and 4 GB. Checking each number against its field's
// range first makes every expression cost microseconds to refuse.

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'weekday', min: 0, max: 7 },
] as const;

/** Longer than any sensible expression (a list of all 60 minutes is 170 characters). */
export const CRON_MAX_LENGTH = 256;

/**
 * A one-line reason why `expr` is out of bounds, or undefined when every number in it is
 * within its field's range. Syntax beyond numbers (names, `L`, `W`, `#`, `?`) is left to
 * node-cron, which can then expand it safely.
 */
export function cronBoundsProblem(expr: string): string | undefined {
  if (expr.length > CRON_MAX_LENGTH) {
    return `is ${expr.length} characters long; a cron expression has at most ${CRON_MAX_LENGTH}`;
  }
  const fields = expr.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) {
    return `'${expr}' is not a cron expression: expected 5 fields (minute hour day month weekday) or 6 with seconds first, got ${fields.length}`;
  }
  const specs = fields.length === 6 ? FIELDS : FIELDS.slice(1);
  for (let i = 0; i < fields.length; i++) {
    const spec = specs[i]!;
    for (const part of fields[i]!.split(',')) {
      const [values = '', step] = part.split('/');
      const bad =
        // A step only thins the values out, so any step from 1 up is safe; bound its digits.
        (step !== undefined && !/^[1-9][0-9]{0,3}$/.test(step)) ||
        // `L-3` (three days before the last) and `5#2` (second Friday) carry small numbers too.
        [...values.matchAll(/\d+/g)].some((m) => {
          const v = m[0].length > 4 ? Infinity : Number(m[0]);
          const afterHashOrL = /[#L]-?$/.test(values.slice(0, m.index));
          return afterHashOrL ? v > 31 : v < spec.min || v > spec.max;
        });
      if (bad)
        return `'${expr}' is not a valid cron expression: '${part}' is not a valid ${spec.name} (${spec.min}-${spec.max})`;
    }
  }
  return undefined;
}
