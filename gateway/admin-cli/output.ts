/**
 * What the admin commands print: aligned text for people, the API's JSON for scripts, and on
 * failure one line on stderr with an exit code a script can branch on.
 */

/** 1: the API (or the SSO) refused; 2: the command itself is wrong; 3: the gateway or the SSO out of reach, or failing. */
export const exitCodes = { refused: 1, usage: 2, unreachable: 3 } as const;
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** For `--help`: the same words as docs/administration.md. */
export const exitCodesHelp = `
Exit codes:
  0  done
  1  refused by the admin API or the SSO (a 4xx answer: role, state, four eyes, validation)
  2  usage error: a missing or bad argument or option, an unreadable file, no credentials
  3  the gateway or the SSO unreachable, or answering with a 5xx`;

/** A failure the command reports as one line, with its exit code; anything else thrown is a fault. */
export class CliFailure extends Error {
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.exitCode = exitCode;
    this.name = 'CliFailure';
  }
}

export const usageError = (message: string) => new CliFailure(exitCodes.usage, message);

/** A reason from a server (a problem's detail, an SSO's error_description) kept to one line. */
export function oneLine(text: string, max = 2000): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(lines: string | string[]): void {
  process.stdout.write(`${typeof lines === 'string' ? lines : lines.join('\n')}\n`);
}

/** Columns padded to their widest cell, the last one left ragged so that long titles do not pad every line. */
export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** An API time without its milliseconds: enough to tell steps apart, shorter in a table. */
export function shortTime(at: string | null | undefined): string {
  if (!at) return '';
  return at.replace(/\.\d+(?=Z|[+-]\d\d:?\d\d$)/, '');
}
