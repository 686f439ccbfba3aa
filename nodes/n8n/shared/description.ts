/** What both nodes' descriptions share: the connection choice and its two credentials. */
import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';
import { CREDENTIAL_TYPE, type ConnectionKind } from './connection';

/** `show` narrows where the connection applies (the action node: only the Message resource). */
export function connectionParameter(show: Record<string, string[]> = {}): INodeProperties {
  return {
    displayName: 'Connection',
    name: 'connection',
    type: 'options',
    noDataExpression: true,
    default: 'smpp',
    options: [
      { name: 'SMPP', value: 'smpp', description: 'An account at an SMSC' },
      { name: 'GSM Modem', value: 'modem', description: 'A modem on a serial port of this machine' },
    ],
    ...(Object.keys(show).length === 0 ? {} : { displayOptions: { show } }),
  };
}

export function connectionCredentials(show: Record<string, string[]> = {}): INodeCredentialDescription[] {
  const kinds: ConnectionKind[] = ['smpp', 'modem'];
  return kinds.map((kind) => ({
    name: CREDENTIAL_TYPE[kind],
    required: true,
    testedBy: kind === 'smpp' ? 'smsGateSmppTest' : 'smsGateModemTest',
    displayOptions: { show: { ...show, connection: [kind] } },
  }));
}
