#!/usr/bin/env node
/**
 * The `smsgate` command. Each subcommand returns its exit code: 0 success, 1 the operation
 * failed, 2 bad input; errors name what is wrong.
 */
import { SmsGateError } from '../errors';
import { ENCODE_USAGE, encodeCommand } from './commands/encode';
import { LOOKUP_USAGE, lookupCommand } from './commands/lookup';
import { SEND_USAGE, sendCommand } from './commands/send';
import { SIMULATE_USAGE, simulateCommand } from './commands/simulate';
import { createOutput, errorDocument, EXIT, exitCodeFor, type ExitCode } from './io';

const COMMANDS: Record<string, (argv: string[]) => Promise<ExitCode>> = {
  lookup: lookupCommand,
  encode: encodeCommand,
  send: sendCommand,
  simulate: simulateCommand,
};

const USAGE = `usage: ${LOOKUP_USAGE}
       ${ENCODE_USAGE}
       ${SEND_USAGE}
       ${SIMULATE_USAGE}`;

async function main(argv: string[]): Promise<ExitCode> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return name === undefined ? EXIT.badInput : EXIT.ok;
    }
    const command = COMMANDS[name];
    if (command === undefined) throw new SmsGateError('USAGE', `unknown command "${name}"\n${USAGE}`, { field: 'command' });
    return await command(rest);
  } catch (err) {
    const out = createOutput(json);
    const error = errorDocument(err);
    if (json) out.result({ error }, '');
    else out.note(`smsgate: ${error.message}`);
    return exitCodeFor(err);
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
