/**
 * The config nodes `smsgate-smpp` and `smsgate-modem`: each owns one connection (a Transport)
 * that the send, receive and status nodes share, as Node-RED's MQTT broker node shares one
 * client. Secrets (system id, password, SIM PIN) live in Node-RED's credentials only.
 *
 * The fields are checked by the config file's validator, so the editor and a JSON config
 * refuse the same things with the same words (minus the `transports[0].` prefix).
 */
import { validateConfig, type GatewayHost, type TransportConfig } from '../..';
import type { NodeDefinition, NodeRedRuntime, RuntimeNode } from './red';

export function registerConnections(RED: NodeRedRuntime, host: GatewayHost): void {
  function SmppConnection(this: RuntimeNode, def: NodeDefinition) {
    RED.nodes.createNode(this, def);
    const config = {
      id: def.id,
      type: 'smpp',
      host: def.host,
      port: numeric(def.port),
      systemId: this.credentials.systemId,
      password: this.credentials.password ?? '',
      systemType: def.systemType || undefined,
      bind: def.bind || undefined,
      window: numeric(def.window),
      maxPerSecond: numeric(def.maxPerSecond),
      tls: def.tls === true || def.tls === 'true',
      longMessages: def.longMessages || undefined,
      dataCoding: def.dataCoding || undefined,
    };
    const label = textOf(def.name) || `${textOf(def.host)}:${textOf(def.port) || 2775}`;
    open(this, 'smpp', label, config);
  }

  function ModemConnection(this: RuntimeNode, def: NodeDefinition) {
    RED.nodes.createNode(this, def);
    const config = {
      id: def.id,
      type: 'modem',
      path: def.path,
      baudRate: numeric(def.baudRate),
      pin: this.credentials.pin || undefined,
      mode: def.mode || undefined,
      smsc: def.smsc || undefined,
    };
    open(this, 'modem', textOf(def.name) || textOf(def.path), config);
  }

  /** Validates the fields, then hands the transport to the shared gateway; undone on close. */
  function open(node: RuntimeNode, kind: 'smpp' | 'modem', label: string, raw: Record<string, unknown>): void {
    const info = { id: node.id, kind, label };
    const transport = checked(raw);
    if (typeof transport === 'string') {
      node.error(`${label}: ${transport}`);
      host.refuse(info, transport);
    } else {
      // A failure is the link's to tell (every status shows it) and the log's (the host logs it).
      host.use(info, transport).catch(() => undefined);
    }
    node.on('close', (_removed, done) => {
      host.drop(node.id).then(done, (err: Error) => {
        node.error(`${label}: ${err.message}`);
        done();
      });
    });
  }

  RED.nodes.registerType('smsgate-smpp', SmppConnection as never, {
    credentials: { systemId: { type: 'text' }, password: { type: 'password' } },
  });
  RED.nodes.registerType('smsgate-modem', ModemConnection as never, { credentials: { pin: { type: 'password' } } });
}

/** The transport's config, or what is wrong with it (field names as the editor shows them). */
function checked(raw: Record<string, unknown>): TransportConfig | string {
  try {
    return validateConfig({ store: { type: 'memory' }, transports: [dropUndefined(raw)] }).transports[0]!;
  } catch (err) {
    // One line, as a status shows it: "port: expected 1..65535, got 70000; systemId: ...".
    const message = err instanceof Error ? err.message : String(err);
    return message
      .replace(/^\d+ problems in the config:\n\s*/, '')
      .replaceAll(/\n\s*/g, '; ')
      .replaceAll('transports[0].', '');
  }
}

/** The editor saves numbers typed into text fields as strings; empty means "the default". */
function numeric(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return undefined;
  return /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
}

function textOf(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function dropUndefined(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
}
