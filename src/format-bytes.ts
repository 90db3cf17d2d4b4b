const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * A byte count for people, in binary units: "1023 B", "1.5 KiB", "12 MiB", "200 MiB".
 * One decimal below 10 of a unit, none from 10 up, so at most three significant
 * digits, as `ls -h` and `du -h` print: the decimal tells 1.5 KiB from 2 KiB (a third
 * apart) but 200.4 MiB from 200 MiB is noise, and a progress line keeps its width.
 * A value that would round to 1024 of a unit is shown in the next one ("1.0 MiB", not
 * "1024 KiB").
 */
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1023.5 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 9.95 ? 1 : 0)} ${UNITS[i]}`;
}
