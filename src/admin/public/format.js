// Numbers and times in words: relative times, byte sizes, durations.
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const diff = (d.getTime() - Date.now()) / 1000;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const rel =
    abs < 60
      ? rtf.format(Math.round(diff), 'second')
      : abs < 3600
        ? rtf.format(Math.round(diff / 60), 'minute')
        : abs < 86400
          ? rtf.format(Math.round(diff / 3600), 'hour')
          : rtf.format(Math.round(diff / 86400), 'day');
  return rel;
}
// The rule of src/format-bytes.ts (one decimal below 10 of a unit, none from 10 up), so
// the page and the CLI show the same numbers; the page cannot import the core's TypeScript.
export function bytes(n) {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n || 0; // a run with no byte count shows 0 B
  let i = 0;
  while (v >= 1023.5 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 9.95 ? 1 : 0)} ${u[i]}`;
}
export function duration(ms) {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
