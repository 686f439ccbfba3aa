/**
 * What every command shares: its arguments, and how results and errors leave the process.
 * With --json stdout carries exactly one JSON document; people read stderr.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isSmsGateError, SmsGateError } from '../errors';

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseCommandArgs(command: string, argv: string[], options: Options): ParsedArgs {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (err) {
    throw new SmsGateError('USAGE', `smsgate ${command}: ${(err as Error).message}`);
  }
}

export interface Output {
  json: boolean;
  /** The command's result: JSON on stdout with --json, else the human text. */
  result(document: unknown, human: string): void;
  /** Progress and notes for people: stderr, never stdout. */
  note(text: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(document, human) {
      process.stdout.write(json ? `${JSON.stringify(document)}\n` : `${human}\n`);
    },
    note(text) {
      process.stderr.write(`${text}\n`);
    },
  };
}

/** Bad input exits 2, everything else that went wrong exits 1. */
export function exitCodeFor(err: unknown): ExitCode {
  return isSmsGateError(err) && err.kind === 'input' ? EXIT.badInput : EXIT.failed;
}

export function errorDocument(err: unknown): { code: string; message: string; field?: string } {
  if (isSmsGateError(err)) return err.toJSON();
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

export function requireString(value: string | boolean | undefined, flag: string, command: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new SmsGateError('USAGE', `smsgate ${command}: ${flag} is required`, { field: flag });
  }
  return value;
}

/**
 * The longest duration a command waits for: Node's timers hold at most 2^31-1 ms (about 24.8
 * days) and fire at once beyond it, so a longer wait would end before it began.
 */
export const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Seconds given on the command line: a positive number, at most MAX_SECONDS. */
export function parseSeconds(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_SECONDS) {
    throw new SmsGateError('USAGE', `${flag} expects a number of seconds above 0 and at most ${MAX_SECONDS} (24.8 days), got "${value}"`, {
      field: flag,
    });
  }
  return seconds;
}
