import { SmsGateError } from '../../..';
import { connectionFrom, CREDENTIAL_TYPE, type ConnectionKind } from './connection';
import { connectionPool, type Lease, type Role } from './pool';

/** The parts of IExecuteFunctions and ITriggerFunctions that opening a connection needs. */
export interface CredentialSource {
  getCredentials(type: string): Promise<Record<string, unknown>>;
  logger: { warn(message: string): void; error(message: string): void };
}

/**
 * A pooled connection for the node's credential. A link that failed to come up (a refused
 * bind, a port that does not open) is an error here, said with the transport's words, rather
 * than messages accepted into an outbox that nothing will send.
 */
export async function openConnection(
  source: CredentialSource,
  kind: ConnectionKind,
  role: Role,
  options: { receipts?: boolean } = {},
): Promise<Lease> {
  const connection = connectionFrom(kind, await source.getCredentials(CREDENTIAL_TYPE[kind]));
  const lease = await connectionPool().acquire(connection, role, {
    ...options,
    log: { warn: (message) => source.logger.warn(message), error: (message) => source.logger.error(message) },
  });
  const link = lease.link();
  if (link?.state === 'error') {
    await lease.release();
    throw new SmsGateError('TRANSPORT_UNAVAILABLE', `${connection.label}: ${link.detail ?? 'the connection failed'}`);
  }
  return lease;
}
