import { loadConfigFile, validateConfig, type GatewayConfig, type StoreConfig } from '../../config';
import { SmsGateError } from '../../errors';
import { createGateway } from '../../gateway/from-config';
import { resolveRegion } from '../../numbers/region';
import type { Gateway, SendRequest } from '../../gateway/gateway';
import { createStore } from '../../store';
import type { MessageRecord } from '../../store/types';
import type { LinkStatus } from '../../transport/types';
import type { SenderKind } from '../../types';
import { createOutput, EXIT, parseCommandArgs, parseSeconds, requireString, type ExitCode, type Output } from '../io';
import { sendBulk } from './bulk';

export const SEND_USAGE = [
  'smsgate send --config FILE [--region CC] --to NUMBER --text TEXT [--from SENDER [--from-type KIND]] [--wait] [--timeout S] [--json]',
  'smsgate send --config FILE [--region CC] --csv FILE --text TEMPLATE [--out FILE.jsonl] [--wait] [--timeout S] [--key-column NAME] [--json]',
  'smsgate send --modem PATH [--baud-rate N] [--region CC] --to NUMBER --text TEXT [--wait] [--timeout S] [--json]',
  'smsgate send --config FILE --drop MESSAGE_ID [--json]   (fail a message still QUEUED, so it is never sent)',
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
    drop: { type: 'string' },
    'key-column': { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  const out = createOutput(values.json === true);
  if (values.drop !== undefined) {
    return dropMessage(loadConfigFile(requireString(values.config, '--config', 'send')).store, requireString(values.drop, '--drop', 'send'), out);
  }
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
  // Listening before the start: a refused bind is said the moment it happens.
  const links = new LinkOutcomes(gateway, out);
  await gateway.start();
  try {
    if (typeof values.csv === 'string') {
      return await sendBulk(gateway, out, {
        csvPath: values.csv,
        template: text,
        sender,
        outPath: values.out as string | undefined,
        waitFinal: values.wait === true,
        timeoutMs,
        keyColumn: values['key-column'] as string | undefined,
      });
    }
    return await sendOne(gateway, out, links, {
      to: values.to as string,
      text,
      sender,
      wait: values.wait === true,
      timeoutMs,
      store: config.store,
      configPath: values.config as string | undefined,
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
  links: LinkOutcomes,
  request: {
    to: string;
    text: string;
    sender: SenderOptions;
    wait: boolean;
    timeoutMs: number;
    store: StoreConfig;
    configPath: string | undefined;
  },
): Promise<ExitCode> {
  const started = Date.now();
  const accepted = await gateway.send({ to: request.to, text: request.text, ...request.sender });
  if (accepted.state === 'REJECTED') {
    out.result(sendResult(accepted), describe(accepted));
    return EXIT.failed;
  }
  // Until it is submitted, give up as soon as no transport of its route can bind, rather than
  // wait out the timeout in silence.
  const unbindable = links.noneCanBind(accepted.transports);
  let record = await Promise.race([gateway.waitFor(accepted.id, 'submitted', request.timeoutMs), unbindable.promise]);
  unbindable.cancel();
  if (typeof record === 'string') {
    const current = (await gateway.getMessage(accepted.id)) ?? accepted;
    if (current.state === 'QUEUED') {
      const error = new SmsGateError('TRANSPORT_UNAVAILABLE', `no transport of the route could bind: ${record}`);
      out.result({ ...sendResult(current), error: error.toJSON() }, describe({ ...current, error: error.toJSON() }));
      out.note(stillQueued(current.id, request.store, request.configPath));
      return EXIT.failed;
    }
    record = current;
  }
  if (request.wait && record.state === 'SUBMITTED') {
    record = await gateway.waitFor(accepted.id, 'final', Math.max(0, request.timeoutMs - (Date.now() - started)));
  }
  out.result(sendResult(record), describe(record));
  const succeeded = request.wait ? record.state === 'DELIVERED' : record.state === 'SUBMITTED' || record.state === 'DELIVERED';
  return succeeded ? EXIT.ok : EXIT.failed;
}

/**
 * What a message left QUEUED becomes when this command exits, and how to make sure it is never
 * sent: a later run on the same store would send it (a retry with the right password would
 * then send it twice).
 */
function stillQueued(id: string, store: StoreConfig, configPath: string | undefined): string {
  if (store.type === 'memory') {
    return `smsgate send: message ${id} was not sent; the outbox is in memory (store.type "memory"), so it is gone when this command exits.`;
  }
  const config = configPath ?? 'FILE';
  return [
    `smsgate send: message ${id} stays QUEUED in ${store.type === 'sqlite' ? store.path : `the Redis store (prefix ${store.prefix})`}: the next smsgate run with this config (or any gateway on that store) sends it once a transport binds.`,
    `To drop it so it is never sent: smsgate send --config ${config} --drop ${id}`,
  ].join('\n');
}

/**
 * Each transport's last bind outcome, from the statuses it reports: failures are said on stderr
 * as they happen (`smsgate: transport smsc1: bind refused by the SMSC: ESME_RINVPASWD (wrong
 * password)`), once per distinct reason.
 */
class LinkOutcomes {
  private readonly failed = new Map<string, string>();
  private readonly listeners = new Set<() => void>();

  constructor(gateway: Gateway, out: Output) {
    gateway.on('transport-status', ({ transportId, status }) => {
      if (status.state === 'connected' || status.state === 'throttled') this.failed.delete(transportId);
      if (status.state === 'error') {
        const reason = reasonOf(status);
        if (this.failed.get(transportId) !== reason) out.note(`smsgate: transport ${transportId}: ${reason}`);
        this.failed.set(transportId, reason);
      }
      for (const listener of this.listeners) listener();
    });
  }

  /** Resolves with the reasons once every one of `transportIds` has failed its last bind. */
  noneCanBind(transportIds: string[]): { promise: Promise<string>; cancel(): void } {
    let listener: () => void = () => undefined;
    const promise = new Promise<string>((resolve) => {
      listener = () => {
        if (transportIds.length === 0 || !transportIds.every((id) => this.failed.has(id))) return;
        this.listeners.delete(listener);
        resolve(transportIds.map((id) => `${id}: ${this.failed.get(id)}`).join('; '));
      };
      this.listeners.add(listener);
      listener();
    });
    return { promise, cancel: () => this.listeners.delete(listener) };
  }
}

/** The failure itself, without "retry in ..." (this command does not wait for it). */
function reasonOf(status: LinkStatus): string {
  return status.error?.message ?? status.detail ?? 'the link failed';
}

/** `--drop`: fails a message still QUEUED in the config's store, so no gateway ever sends it. */
async function dropMessage(storeConfig: StoreConfig, id: string, out: Output): Promise<ExitCode> {
  const store = createStore(storeConfig);
  await store.open();
  try {
    const error = new SmsGateError('TRANSPORT_UNAVAILABLE', 'dropped with `smsgate send --drop` before any transport took it');
    const dropped = await store.fail(id, null, { error: error.toJSON(), now: Date.now() });
    if (dropped !== undefined) {
      out.result(sendResult(dropped.record), `dropped: message ${id} is FAILED and will never be sent`);
      return EXIT.ok;
    }
    const found = await store.getMessage(id);
    if (found === undefined) {
      throw new SmsGateError('MESSAGE_NOT_FOUND', `no message with id ${id} in this config's store`, { field: '--drop' });
    }
    const why = found.state === 'QUEUED' ? 'being submitted by a gateway right now' : `${found.state} already, beyond recall`;
    out.result(sendResult(found), `not dropped: message ${id} is ${why}`);
    return EXIT.failed;
  } finally {
    await store.close();
  }
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
