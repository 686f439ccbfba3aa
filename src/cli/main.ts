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

interface Command {
  run: (argv: string[]) => Promise<ExitCode>;
  usage: string;
  /** What it does, in a line or two, for `smsgate <command> --help`. */
  about: string;
}

const COMMANDS: Record<string, Command> = {
  lookup: {
    run: lookupCommand,
    usage: LOOKUP_USAGE,
    about: 'Verifies a phone number, normalises it to E.164 and names its type and network (exit 2 when invalid).',
  },
  encode: {
    run: encodeCommand,
    usage: ENCODE_USAGE,
    about: 'Shows how a text is encoded (GSM 7-bit or UCS-2) and split into segments.',
  },
  send: {
    run: sendCommand,
    usage: SEND_USAGE,
    about:
      'Sends one SMS, or one per row of a CSV file, through the transports of a config file (or one modem).\n' +
      '--region overrides the config\'s defaults.region; --timeout is in seconds (default 60).',
  },
  simulate: {
    run: simulateCommand,
    usage: SIMULATE_USAGE,
    about: 'Runs the built-in SMSC simulator (SMPP on TCP) or GSM modem simulator (on a pseudo-terminal) until stopped.',
  },
};

const USAGE = `usage: ${Object.values(COMMANDS)
  .map((command) => command.usage)
  .join('\n       ')}
Every command answers --help.`;

/** `--help` or `-h` among a command's options (not after `--`, where it would be an argument). */
function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  return options.includes('--help') || options.includes('-h');
}

async function main(argv: string[]): Promise<ExitCode> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return name === undefined ? EXIT.badInput : EXIT.ok;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) throw new SmsGateError('USAGE', `unknown command "${name}"\n${USAGE}`, { field: 'command' });
    if (asksForHelp(rest)) {
      process.stdout.write(`usage: ${command.usage}\n\n${command.about}\n`);
      return EXIT.ok;
    }
    return await command.run(rest);
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
