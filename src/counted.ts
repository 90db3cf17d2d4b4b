// "1 problem", "2 problems": the one place the CLI's messages count things in words.

/** `n` and `noun`, the noun plural (an `s` added) unless n is 1. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
