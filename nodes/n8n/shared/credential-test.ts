/**
 * The credentials' "Test" button (`testedBy`, as n8n's MQTT node does it): binds to the SMSC
 * or opens the modem with exactly the credential's settings, then closes again, and says what
 * went wrong in the transport's own secret-free words.
 */
import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';
import { createTransport, type LinkStatus, type TransportSink } from '../../..';
import { connectionFrom, type ConnectionKind } from './connection';
import { connectionPool } from './pool';

/** How long a test waits for every bind (two for transmitter+receiver) or the modem's setup. */
const TEST_TIMEOUT_MS = 15_000;

export async function testConnection(kind: ConnectionKind, data: Record<string, unknown>): Promise<INodeCredentialTestResult> {
  let connection;
  try {
    connection = connectionFrom(kind, data);
  } catch (err) {
    return { status: 'Error', message: (err as Error).message };
  }
  // A serial port opens once: a modem this process already holds is judged by its link.
  const held = kind === 'modem' ? connectionPool().linkOf(connection.transportId) : undefined;
  if (held !== undefined) {
    return held.state === 'connected'
      ? { status: 'OK', message: `The modem is open in this n8n process: ${held.detail ?? 'ready'}` }
      : { status: 'Error', message: `The modem is open in this n8n process and not ready: ${held.detail ?? held.state}` };
  }

  const statuses: LinkStatus[] = [];
  let changed: () => void = () => undefined;
  // Nothing received during a test is taken: refused, so the SMSC sends it again later and the
  // modem keeps it on the SIM for the trigger.
  const refuse = () => Promise.reject(new Error('a credential test takes no messages'));
  const sink: TransportSink = {
    report: refuse,
    inbound: refuse,
    inboundPart: refuse,
    status: (status) => {
      statuses.push(status);
      changed();
    },
  };
  const transport = createTransport(connection.config, 0);
  const expected = connection.config.type === 'smpp' && connection.config.bind === 'transmitter+receiver' ? 2 : 1;
  const settled = () => statuses.some((s) => s.state === 'error') || statuses.filter((s) => s.state === 'connected').length >= expected;
  try {
    await transport.start(sink);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, TEST_TIMEOUT_MS);
      changed = () => {
        if (!settled()) return;
        clearTimeout(timer);
        resolve();
      };
      changed();
    });
  } finally {
    await transport.stop();
  }
  const failure = statuses.find((s) => s.state === 'error');
  if (failure !== undefined) return { status: 'Error', message: failure.detail ?? 'the connection failed' };
  const connected = statuses.filter((s) => s.state === 'connected');
  if (connected.length < expected) {
    const last = statuses.at(-1);
    return { status: 'Error', message: `no answer within ${TEST_TIMEOUT_MS / 1000} s${last?.detail ? `: ${last.detail}` : ''}` };
  }
  return { status: 'OK', message: connected.map((s) => s.detail ?? 'connected').join('; ') };
}

/** The `methods.credentialTest` both nodes declare; `testedBy` names these. */
export const credentialTest = {
  async smsGateSmppTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
    return testConnection('smpp', credential.data ?? {});
  },
  async smsGateModemTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
    return testConnection('modem', credential.data ?? {});
  },
};
