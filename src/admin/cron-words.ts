// Cron expressions in words for the job list ("every day at 02:00"). Covers the
// common forms; anything else is shown as the expression itself, never guessed.
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const num = (s: string, max: number): number | undefined =>
  /^\d{1,2}$/.test(s) && Number(s) <= max ? Number(s) : undefined;
const pad = (n: number) => String(n).padStart(2, '0');
const ordinal = (n: number) =>
  `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;

function list(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function day(s: string): number | undefined {
  const n = DAY_NAMES[s.toLowerCase()] ?? num(s, 7);
  return n === 7 ? 0 : n;
}

/** Days of the week: `1-5`, `1,3,5`, `MON-FRI`; undefined when it is something else. */
function weekdays(field: string): string | undefined {
  const out: number[] = [];
  for (const part of field.split(',')) {
    const [a, b, extra] = part.split('-');
    const from = day(a ?? '');
    const to = b === undefined ? from : day(b);
    if (extra !== undefined || from === undefined || to === undefined || to < from) return undefined;
    for (let d = from; d <= to; d++) out.push(d);
  }
  const set = [...new Set(out)].sort();
  if (set.join() === '1,2,3,4,5') return 'every weekday';
  if (set.join() === '0,6') return 'every Saturday and Sunday';
  return `every ${list(set.map((d) => DAYS[d]!))}`;
}

function times(minute: number, hourField: string): string | undefined {
  const hours = hourField.split(',').map((h) => num(h, 23));
  if (hours.some((h) => h === undefined)) return undefined;
  return `at ${list(hours.map((h) => `${pad(h!)}:${pad(minute)}`))}`;
}

export function cronToWords(expr: string): string {
  let f = expr.trim().split(/\s+/);
  if (f.length === 6) {
    if (f[0] !== '0') return expr;
    f = f.slice(1);
  }
  if (f.length !== 5) return expr;
  const [mi, h, dom, mon, dow] = f as [string, string, string, string, string];
  if (mi === '*' && h === '*' && dom === '*' && mon === '*' && dow === '*') return 'every minute';
  const step = /^\*\/(\d+)$/.exec(mi);
  if (step && h === '*' && dom === '*' && mon === '*' && dow === '*')
    return Number(step[1]) === 1 ? 'every minute' : `every ${Number(step[1])} minutes`;
  const minute = num(mi, 59);
  if (minute === undefined) return expr;
  const hourStep = /^\*\/(\d+)$/.exec(h);
  if (dom === '*' && mon === '*' && dow === '*') {
    if (h === '*') return minute === 0 ? 'every hour' : `every hour at ${pad(minute)} past`;
    if (hourStep) return `every ${Number(hourStep[1])} hours at ${pad(minute)} past`;
  }
  const at = times(minute, h);
  if (!at) return expr;
  if (dom === '*' && mon === '*' && dow === '*') return `every day ${at}`;
  if (dom === '*' && mon === '*') {
    const days = weekdays(dow);
    return days ? `${days} ${at}` : expr;
  }
  const d = num(dom, 31);
  if (d !== undefined && d >= 1 && dow === '*') {
    if (mon === '*') return `on the ${ordinal(d)} of every month ${at}`;
    const m = num(mon, 12);
    if (m !== undefined && m >= 1) return `every year on ${MONTHS[m - 1]} ${d} ${at}`;
  }
  return expr;
}
