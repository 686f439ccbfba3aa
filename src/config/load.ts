/** Reading the config file: the file system and JSON errors, before the validator sees it. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SmsGateError } from '../errors';
import { findJsonSyntaxError, lineAndColumn } from './json-syntax';
import type { GatewayConfig } from './types';
import { validateConfig } from './validate';

/**
 * Reads, parses and validates a config file. Relative paths inside it are taken from the
 * file's directory, so a config works the same from whichever directory smsgate is started.
 */
export function loadConfigFile(path: string): GatewayConfig {
  const file = resolve(path);
  return validateConfig(parseJson(readConfigText(file), file), { baseDir: dirname(file) });
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code;
    const message = reason === 'ENOENT' ? `config file not found: ${file}` : `cannot read config file ${file} (${reason})`;
    throw new SmsGateError('CONFIG_NOT_FOUND', message, { field: 'config', cause: err });
  }
}

function parseJson(content: string, file: string): unknown {
  // Editors on Windows like to start UTF-8 files with a byte order mark; JSON.parse does not.
  const text = content.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch {
    // Our own scan names the spot without quoting the file (JSON.parse's message may quote a password).
    const syntax = findJsonSyntaxError(text) ?? { offset: 0, problem: 'not valid JSON' };
    const { line, column } = lineAndColumn(text, syntax.offset);
    throw new SmsGateError('CONFIG_PARSE', `${file}:${line}:${column}: invalid JSON: ${syntax.problem}`, {
      field: 'config',
    });
  }
}
