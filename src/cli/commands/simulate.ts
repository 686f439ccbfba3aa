/**
 * `smsgate simulate smsc`: the built-in SMSC simulator in the foreground, until SIGINT or
 * SIGTERM, when it unbinds its sessions and exits 0. One line on stderr gives the address it
 * listens on (with --json also `{"host","port"}` on stdout); binds, submits and client errors
 * are logged on stderr as they happen.
 *
 * MO messages: with --mo-stdin each line of stdin is a JSON object
 * `{"from","to","text"[,"encoding","concat","reference","order","dropParts","systemId"]}`
 * (see MoMessage in src/smpp/simulator/mo.ts) delivered to a bound receiver, e.g.
 *   echo '{"from":"+447700900123","to":"ACME","text":"STOP"}' | smsgate simulate smsc --mo-stdin
 * (stdin closing ends the MO input, not the simulator).
 *
 * `smsgate simulate modem`: the GSM modem simulator on a pseudo-terminal (from @lydell/node-pty, or socat where that is missing).
 * One line on stderr gives the path of the port (with --json also `{"path"}` on stdout); point
 * the modem transport, minicom or gammu at it. Submits and status reports are logged on stderr.
 * Each line of stdin is an inbound SMS `{"from","text"[,"parts","encoding"]}` (see InboundMessage
 * in src/modem/simulator/messages.ts), e.g.
 *   echo '{"from":"+447700900123","text":"STOP"}' | smsgate simulate modem --link /tmp/ttyGSM0
 * SIGINT or SIGTERM closes the pseudo-terminal and removes the link.
 */
import { createInterface } from 'node:readline';
import { SmsGateError } from '../../errors';
import {
  RECEIPT_STATUSES,
  SmscSimulator,
  type MoMessage,
  type ReceiptStatus,
  type SmscSimulatorOptions,
} from '../../smpp/simulator';
import { ModemSimulator, type InboundMessage } from '../../modem/simulator';
import { createOutput, EXIT, parseCommandArgs, type ExitCode, type Output } from '../io';

export const SIMULATE_USAGE =
  'smsgate simulate smsc [--host 127.0.0.1] [--port 2775] [--system-id ID --password PW] [--dlr-delay MS] ' +
  '[--dlr-status DELIVRD|UNDELIV|EXPIRED|REJECTD|random] [--throttle PER_SECOND] [--mo-stdin] [--json]\n' +
  '       smsgate simulate modem [--link PATH] [--pin PIN] [--text-mode-only] [--require-ack] [--json]';

const DLR_STATUSES: readonly string[] = [...RECEIPT_STATUSES, 'random'];

export async function simulateCommand(argv: string[]): Promise<ExitCode> {
  const [target, ...rest] = argv;
  switch (target) {
    case 'smsc':
      return simulateSmsc(rest);
    case 'modem':
      return simulateModem(rest);
    default:
      throw new SmsGateError('USAGE', `usage: ${SIMULATE_USAGE}`, { field: 'target' });
  }
}

async function simulateSmsc(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('simulate smsc', argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    'system-id': { type: 'string' },
    password: { type: 'string' },
    'dlr-delay': { type: 'string' },
    'dlr-status': { type: 'string' },
    throttle: { type: 'string' },
    'mo-stdin': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new SmsGateError('USAGE', `usage: ${SIMULATE_USAGE}`, { field: positionals[0] });
  const out = createOutput(values.json === true);
  const simulator = new SmscSimulator(simulatorOptions(values));
  logEvents(simulator, out);
  const { host, port } = await simulator.start();
  const account = values['system-id'] === undefined ? 'any system_id' : `system_id ${String(values['system-id'])}`;
  out.note(`smsgate simulate smsc: listening on ${host}:${port} (${account}); Ctrl-C stops it`);
  if (out.json) out.result({ host, port }, '');

  const stopMo = values['mo-stdin'] === true ? readJsonLines(out, '{"from","to","text"}', (mo) => simulator.injectMo(mo as MoMessage), 'MO delivered') : undefined;
  await untilSignalled();
  out.note('smsgate simulate smsc: stopping');
  stopMo?.();
  await simulator.stop();
  return EXIT.ok;
}

async function simulateModem(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('simulate modem', argv, {
    link: { type: 'string' },
    pin: { type: 'string' },
    'text-mode-only': { type: 'boolean' },
    'require-ack': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new SmsGateError('USAGE', `usage: ${SIMULATE_USAGE}`, { field: positionals[0] });
  const pin = values.pin as string | undefined;
  if (pin !== undefined && !/^\d{4,8}$/.test(pin)) {
    throw new SmsGateError('USAGE', `--pin expects 4 to 8 digits, got "${pin}"`, { field: '--pin' });
  }
  const link = values.link as string | undefined;
  if (link === '') throw new SmsGateError('USAGE', '--link expects a path', { field: '--link' });
  const out = createOutput(values.json === true);
  const simulator = new ModemSimulator({
    link,
    pin: pin ?? null,
    textModeOnly: values['text-mode-only'] === true,
    requireAck: values['require-ack'] === true,
  });
  simulator.on('submit', (s) =>
    out.note(`+CMGS: ${s.reference} -> ${s.destination} ${JSON.stringify(s.text)}${s.statusReportRequest ? ' (status report asked)' : ''}`),
  );
  simulator.on('status-report', (r) => out.note(`status report for +CMGS: ${r.reference} (TP-ST ${r.status}): ${r.routing}`));
  simulator.on('pty-lost', (error) => out.note(error.message));
  const { path } = await simulator.start();
  out.note(`smsgate simulate modem: port ${path} (${pin === undefined ? 'no PIN' : 'PIN required'}); Ctrl-C stops it`);
  if (out.json) out.result({ path }, '');

  const stopInbound = readJsonLines(out, '{"from","text"}', (sms) => simulator.injectInbound(sms as InboundMessage), 'inbound SMS handed to the modem');
  await untilSignalled();
  out.note('smsgate simulate modem: stopping');
  stopInbound();
  await simulator.stop();
  return EXIT.ok;
}

/** Turns the flags into simulator options; a bad value is a USAGE error naming its flag. */
function simulatorOptions(values: Record<string, string | boolean | undefined>): SmscSimulatorOptions {
  const text = (flag: string) => values[flag] as string | undefined;
  const options: SmscSimulatorOptions = {
    host: text('host'),
    port: integerFlag(text('port'), '--port', 0, 65535),
    systemId: text('system-id'),
    password: text('password'),
    dlrDelayMs: integerFlag(text('dlr-delay'), '--dlr-delay', 0, 86_400_000),
    throttlePerSecond: integerFlag(text('throttle'), '--throttle', 1, 1_000_000),
  };
  const status = text('dlr-status');
  if (status !== undefined) {
    if (!DLR_STATUSES.includes(status)) {
      throw new SmsGateError('USAGE', `--dlr-status must be one of ${DLR_STATUSES.join(', ')}, got "${status}"`, {
        field: '--dlr-status',
      });
    }
    options.dlrStatus = status as ReceiptStatus | 'random';
  }
  return options;
}

function integerFlag(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new SmsGateError('USAGE', `${flag} expects a whole number from ${min} to ${max}, got "${value}"`, { field: flag });
  }
  return number;
}

function logEvents(simulator: SmscSimulator, out: Output): void {
  const status = (code: number) => `0x${code.toString(16).padStart(2, '0')}`;
  simulator.on('bind', (e) => out.note(`session ${e.sessionId}: bound ${e.mode} as ${e.systemId}`));
  simulator.on('bind-rejected', (e) =>
    out.note(`session ${e.sessionId}: bind_${e.mode} as ${e.systemId} refused with ${status(e.commandStatus)}`),
  );
  simulator.on('submit', (s) => {
    const answer = s.commandStatus === null ? 'unanswered' : s.messageId ?? status(s.commandStatus);
    out.note(`session ${s.sessionId}: submit_sm ${s.source.addr} -> ${s.destination.addr} ${JSON.stringify(s.text)}: ${answer}`);
  });
  simulator.on('unbind', (e) => out.note(`session ${e.sessionId}: unbound`));
  simulator.on('session-error', (e) => out.note(`session ${e.sessionId}: ${e.error.message}`));
  simulator.on('server-error', (error) => out.note(`listener: ${error.message}`));
}

/**
 * Hands each JSON object line of stdin to `inject`, noting on stderr what became of it; returns
 * what stops reading. `expected` names the fields, for the note on a line that is not an object.
 */
function readJsonLines(out: Output, expected: string, inject: (value: object) => Promise<unknown>, done: string): () => void {
  const lines = createInterface({ input: process.stdin });
  let lineNumber = 0;
  lines.on('line', (line) => {
    lineNumber++;
    if (line.trim() === '') return;
    const where = `stdin line ${lineNumber}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null) {
      out.note(`${where}: expected a JSON object ${expected}`);
      return;
    }
    inject(value).then(
      () => out.note(`${where}: ${done}`),
      (error: Error) => out.note(`${where}: ${error.message}`),
    );
  });
  return () => lines.close();
}

function untilSignalled(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
