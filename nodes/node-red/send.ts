/**
 * `smsgate-send`: hands a message to the shared gateway and passes on what it accepted.
 *
 * Input: `msg.payload` text with `msg.to` (or `msg.topic`), or an object payload
 * `{to, text, from, ...}`; per-message options on the msg or in that object. Output: the
 * accepted message on `msg.payload`. Bad input and refusals go to `done(err)`, so a Catch node
 * sees them; nothing a message carries can throw past this node.
 */
import { SmsGateError, type GatewayHost, type MessageRecord, type SendRequest } from '../..';
import { statusOf } from './node-status';
import type { NodeDefinition, NodeMessage, NodeRedRuntime, RuntimeNode } from './red';

/** Options a message may set (on the msg, or in an object payload, which wins). */
const OPTIONS = ['from', 'correlation', 'deliveryReport', 'validity', 'priority', 'encoding', 'tag', 'idempotencyKey', 'scheduleAt', 'smart'] as const;

export function registerSend(RED: NodeRedRuntime, host: GatewayHost): void {
  function SendNode(this: RuntimeNode, def: NodeDefinition) {
    RED.nodes.createNode(this, def);
    const node = this;
    const connections = connectionsOf(def);
    const strategy = def.strategy === 'round-robin' ? 'round-robin' : 'failover';
    const defaults: Partial<SendRequest> = {
      ...(textField(def.from) === '' ? {} : { from: textField(def.from) }),
      ...(textField(def.region) === '' ? {} : { region: textField(def.region).toUpperCase() }),
      ...(def.encoding === 'gsm7' || def.encoding === 'ucs2' || def.encoding === 'auto' ? { encoding: def.encoding } : {}),
      ...(def.deliveryReport === false ? { deliveryReport: false } : {}),
      ...(def.smart === true ? { smart: true } : {}),
    };

    const showStatus = () => node.status(statusOf(connections.map((id) => host.connection(id)), { queued: host.queueDepth(), note: host.outboxNote() }));
    host.on('change', showStatus);
    showStatus();

    node.on('input', (msg, send, done) => {
      let request: SendRequest;
      try {
        if (connections.length === 0) {
          throw new SmsGateError('OPTION_INVALID', 'this send node has no connection: choose one in its settings', { field: 'connection' });
        }
        // The gateway orders them: failover from the first, or round robin.
        request = { ...defaults, ...requestOf(msg), transports: connections, strategy };
      } catch (err) {
        done(err as Error);
        return;
      }
      host
        .current()
        .then((gateway) => gateway.send(request))
        .then((record) => {
          if (record.state === 'REJECTED' && record.error !== null) {
            const { code, message, field } = record.error;
            msg.sms = accepted(record);
            done(new SmsGateError(code, message, field === undefined ? {} : { field }));
            return;
          }
          msg.payload = accepted(record);
          send(msg);
          done();
        })
        .catch((err: Error) => done(err));
    });

    node.on('close', (_removed, done) => {
      host.off('change', showStatus);
      done();
    });
  }

  RED.nodes.registerType('smsgate-send', SendNode as never);
}

/** The config node ids this send node uses, in order: the connection, then the backup. */
function connectionsOf(def: NodeDefinition): string[] {
  const pick = (kind: unknown, smpp: unknown, modem: unknown) => {
    const id = kind === 'modem' ? modem : kind === 'smpp' ? smpp : undefined;
    return typeof id === 'string' && id !== '' ? [id] : [];
  };
  const ids = [...pick(def.kind ?? 'smpp', def.smpp, def.modem), ...pick(def.backupKind, def.backupSmpp, def.backupModem)];
  return [...new Set(ids)];
}

/** What the message asks for, with its types checked; the gateway checks the values. */
function requestOf(msg: NodeMessage): Omit<SendRequest, 'transports' | 'strategy'> {
  const payload = msg.payload;
  const fromObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload) && !Buffer.isBuffer(payload);
  const source: Record<string, unknown> = fromObject ? (payload as Record<string, unknown>) : {};
  const to = fromObject ? source.to : (msg.to ?? msg.topic);
  const text = fromObject ? source.text : payload;

  const request: Omit<SendRequest, 'transports' | 'strategy'> = { to: stringOf(to, 'to', 'the recipient (msg.to or msg.topic)'), text: stringOf(text, 'text', 'the text (msg.payload)') };
  const options: Record<string, unknown> = {};
  for (const key of OPTIONS) {
    const value = source[key] ?? msg[key];
    if (value !== undefined && value !== null && value !== '') options[key] = value;
  }
  if (options.from !== undefined) request.from = stringOf(options.from, 'from', 'the sender');
  if (options.correlation !== undefined) request.correlation = stringOf(options.correlation, 'correlation', 'the correlation value');
  if (options.tag !== undefined) request.tag = stringOf(options.tag, 'tag', 'the tag');
  if (options.idempotencyKey !== undefined) request.idempotencyKey = stringOf(options.idempotencyKey, 'idempotencyKey', 'the idempotency key');
  if (options.deliveryReport !== undefined) request.deliveryReport = booleanOf(options.deliveryReport, 'deliveryReport');
  if (options.smart !== undefined) request.smart = booleanOf(options.smart, 'smart');
  if (options.validity !== undefined) request.validitySeconds = numberOf(options.validity, 'validity');
  if (options.priority !== undefined) request.priority = numberOf(options.priority, 'priority');
  if (options.encoding !== undefined) request.encoding = stringOf(options.encoding, 'encoding', 'the encoding') as SendRequest['encoding'];
  if (options.scheduleAt !== undefined) request.scheduleAt = timeOf(options.scheduleAt);
  return request;
}

function stringOf(value: unknown, field: string, what: string): string {
  if (typeof value === 'string') return value;
  // A number is what a template or a JSON source gives for digits; it means the same.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value === undefined || value === null) throw new SmsGateError('OPTION_INVALID', `${what} is missing`, { field });
  throw new SmsGateError('OPTION_INVALID', `${what} must be a string, got ${describe(value)}`, { field });
}

function booleanOf(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  throw new SmsGateError('OPTION_INVALID', `${field} must be true or false, got ${describe(value)}`, { field });
}

function numberOf(value: unknown, field: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number === 'number' && Number.isFinite(number)) return number;
  throw new SmsGateError('OPTION_INVALID', `${field} must be a number, got ${describe(value)}`, { field });
}

/** A Date, epoch milliseconds or an ISO 8601 string. */
function timeOf(value: unknown): Date | number {
  if (value instanceof Date || typeof value === 'number') return value;
  const parsed = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isFinite(parsed)) return parsed;
  throw new SmsGateError('OPTION_INVALID', `scheduleAt must be a date, epoch milliseconds or an ISO 8601 time, got ${describe(value)}`, {
    field: 'scheduleAt',
  });
}

function describe(value: unknown): string {
  if (Buffer.isBuffer(value)) return 'a Buffer';
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : typeof value;
}

function textField(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** The accepted message as the send node passes it on. */
function accepted(record: MessageRecord) {
  return {
    id: record.id,
    to: record.recipient.e164,
    from: record.sender?.address ?? null,
    country: record.recipient.country,
    carrier: record.recipient.carrier,
    segments: record.segments,
    encoding: record.encoding,
    state: record.state,
    providerIds: record.providerIds,
    correlation: record.correlation,
    error: record.error,
  };
}
