import os from 'node:os';

export function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The 1, 5 and 15 minute load averages. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
