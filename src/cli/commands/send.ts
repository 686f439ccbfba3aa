import { loadConfigFile, validateConfig, type GatewayConfig } from '../../config';
import { SmsGateError } from '../../errors';
import { createGateway } from '../../gateway/from-config';
import { resolveRegion } from '../../numbers/region';
import type { Gateway, SendRequest } from '../../gateway/gateway';
import type { MessageRecord } from '../../store/types';
import type { SenderKind } from '../../types';
import { createOutput, EXIT, parseCommandArgs, parseSeconds, requireString, type ExitCode, type Output } from '../io';
import { sendBulk } from './bulk';

export const SEND_USAGE = [
  'smsgate send --config FILE [--region CC] --to NUMBER --text TEXT [--from SENDER [--from-type KIND]] [--wait] [--timeout S] [--json]',
  'smsgate send --config FILE [--region CC] --csv FILE --text TEMPLATE [--out FILE.jsonl] [--json]',
  'smsgate send --modem PATH [--baud-rate N] [--region CC] --to NUMBER --text TEXT [--wait] [--timeout S] [--json]',
].join('\n       ');

/** `--modem`: the SIM PIN comes from the environment, never from the command line (ps shows that to everyone). */
export const MODEM_PIN_VARIABLE = 'SMSGATE_MODEM_PIN';

export type SenderOptions = Pick<SendRequest, 'from' | 'fromType'>;

/** Without --wait the command still waits for the submit, so the message has left this process. */
const DEFAULT_TIMEOUT_SECONDS = 60;

export async function sendCommand(argv: string[]): Promise<ExitCode> {
  const { values } = parseCommandArgs('send', argv, {
    config: { type: 'string' },
    modem: { type: 'string' },
    'baud-rate': { type: 'string' },
    region: { type: 'string' },
    to: { type: 'string' },
    text: { type: 'string' },
    from: { type: 'string' },
    'from-type': { type: 'string' },
    csv: { type: 'string' },
    out: { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  const out = createOutput(values.json === true);
  const text = requireString(values.text, '--text', 'send');
  const timeoutMs = parseSeconds(values.timeout as string | undefined, '--timeout', DEFAULT_TIMEOUT_SECONDS) * 1000;
  if (values.csv !== undefined && values.to !== undefined) {
    throw new SmsGateError('USAGE', 'smsgate send: give either --to or --csv, not both', { field: '--to' });
  }
  if (values.csv === undefined) requireString(values.to, '--to', 'send');
  const config = readConfig(values);
  const sender = {
    ...(typeof values.from === 'string' ? { from: values.from } : {}),
    ...(typeof values['from-type'] === 'string' ? { fromType: values['from-type'] as SenderKind } : {}),
  };

  const gateway = createGateway(config);
  gateway.on('warning', (err) => out.note(`warning: ${err.message}`));
  await gateway.start();
  try {
    if (typeof values.csv === 'string') {
      return await sendBulk(gateway, out, {
        csvPath: values.csv,
        template: text,
        sender,
        outPath: values.out as string | undefined,
        timeoutMs,
      });
    }
    return await sendOne(gateway, out, {
      to: values.to as string,
      text,
      sender,
      wait: values.wait === true,
      timeoutMs,
    });
  } finally {
    await gateway.stop();
  }
}

/** A config file, or with --modem the one modem given, an in-memory outbox and no routing. */
function readConfig(values: Record<string, string | boolean | undefined>): GatewayConfig {
  if (values.modem === undefined) {
    const config = loadConfigFile(requireString(values.config, '--config', 'send'));
    // --region sets the default region here as it does with --modem: over the config's defaults.region.
    return values.region === undefined ? config : { ...config, defaults: { ...config.defaults, region: regionFlag(values.region) } };
  }
  if (values.config !== undefined) {
    throw new SmsGateError('USAGE', 'smsgate send: give either --config or --modem, not both', { field: '--modem' });
  }
  const baudRate = values['baud-rate'] === undefined ? undefined : Number(values['baud-rate']);
  const pin = process.env[MODEM_PIN_VARIABLE];
  const raw = {
    store: { type: 'memory' },
    ...(values.region === undefined ? {} : { defaults: { region: values.region } }),
    transports: [
      {
        id: 'modem',
        type: 'modem',
        path: requireString(values.modem, '--modem', 'send'),
        ...(baudRate === undefined ? {} : { baudRate }),
        ...(pin === undefined || pin === '' ? {} : { pin }),
      },
    ],
  };
  try {
    return validateConfig(raw);
  } catch (err) {
    // Name the flag (or the variable) the user wrote, not the path in a config they never saw.
    if (err instanceof SmsGateError && err.field !== undefined) {
      const flag = { 'transports[0].baudRate': '--baud-rate', 'transports[0].pin': MODEM_PIN_VARIABLE, 'defaults.region': '--region' }[
        err.field
      ];
      if (flag !== undefined) throw new SmsGateError(err.code, err.message.replace(err.field, flag), { field: flag });
    }
    throw err;
  }
}

function regionFlag(value: string | boolean): string | undefined {
  try {
    return resolveRegion(String(value));
  } catch (err) {
    if (err instanceof SmsGateError) throw new SmsGateError(err.code, `--region: ${err.message}`, { field: '--region' });
    throw err;
  }
}

async function sendOne(
  gateway: Gateway,
  out: Output,
  request: { to: string; text: string; sender: SenderOptions; wait: boolean; timeoutMs: number },
): Promise<ExitCode> {
  const accepted = await gateway.send({ to: request.to, text: request.text, ...request.sender });
  const record =
    accepted.state === 'REJECTED'
      ? accepted
      : await gateway.waitFor(accepted.id, request.wait ? 'final' : 'submitted', request.timeoutMs);
  out.result(sendResult(record), describe(record));
  const succeeded = request.wait ? record.state === 'DELIVERED' : record.state === 'SUBMITTED' || record.state === 'DELIVERED';
  return succeeded ? EXIT.ok : EXIT.failed;
}

function sendResult(record: MessageRecord) {
  return {
    id: record.id,
    to: record.recipient.e164,
    transport: record.transportId,
    segments: record.segments,
    state: record.state,
    providerIds: record.providerIds,
    ...(record.error === null ? {} : { error: record.error }),
  };
}

function describe(record: MessageRecord): string {
  const via = record.transportId === null ? '' : ` via ${record.transportId}`;
  const error = record.error === null ? '' : ` (${record.error.code}: ${record.error.message})`;
  return `${record.state}${via}: ${record.id} to ${record.recipient.e164}, ${record.segments} segment(s)${error}`;
}
