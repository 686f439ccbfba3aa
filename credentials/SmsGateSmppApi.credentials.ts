import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * An SMPP account at an SMSC. Read by nodes/n8n/shared/connection.ts and checked there by the
 * config file's validator; the fields mirror a config file's `smpp` transport.
 */
export class SmsGateSmppApi implements ICredentialType {
  name = 'smsGateSmppApi';

  displayName = 'SMS Gateway SMPP API';

  documentationUrl = 'https://www.npmjs.com/package/@smsgate/n8n-nodes-smsgate#n8n';

  // The nodes' icons: n8n resolves the path from this file's directory in dist/credentials/.
  icon = { light: 'file:../n8n/icons/smsgate.svg', dark: 'file:../n8n/icons/smsgate.dark.svg' } as const;

  properties: INodeProperties[] = [
    {
      displayName: 'Host',
      name: 'host',
      type: 'string',
      default: '',
      required: true,
      placeholder: 'smsc.example.com',
      description: 'Host name or address of the SMSC',
    },
    {
      displayName: 'Port',
      name: 'port',
      type: 'number',
      default: 2775,
      typeOptions: { minValue: 1, maxValue: 65535 },
    },
    {
      displayName: 'TLS',
      name: 'tls',
      type: 'boolean',
      default: false,
      description: "Whether to connect over TLS, checked against the system's certificate authorities",
    },
    {
      displayName: 'System ID',
      name: 'systemId',
      type: 'string',
      default: '',
      required: true,
      description: 'The account name the SMSC gave you (at most 15 characters)',
    },
    {
      displayName: 'Password',
      name: 'password',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      description: 'At most 8 characters, as SMPP 3.4 allows',
    },
    {
      displayName: 'System Type',
      name: 'systemType',
      type: 'string',
      default: '',
      description: 'Only if your SMSC asks for one',
    },
    {
      displayName: 'Bind Mode',
      name: 'bind',
      type: 'options',
      default: 'transceiver',
      description:
        'How the SMS Gateway Trigger binds. Sends alone use a transmitter bind, so that delivery reports go to the process where the trigger listens.',
      options: [
        { name: 'Transceiver', value: 'transceiver', description: 'One bind sends and receives' },
        { name: 'Transmitter and Receiver', value: 'transmitter+receiver', description: 'Two binds, one for each direction' },
        { name: 'Transmitter', value: 'transmitter', description: 'Send only: no inbound SMS, no delivery reports' },
        { name: 'Receiver', value: 'receiver', description: 'Receive only: for a trigger' },
      ],
    },
    {
      displayName: 'Window',
      name: 'window',
      type: 'number',
      default: 50,
      typeOptions: { minValue: 1, maxValue: 10000 },
      description: 'Submits sent and not yet answered by the SMSC, at most',
    },
    {
      displayName: 'Max per Second',
      name: 'maxPerSecond',
      type: 'number',
      default: 0,
      typeOptions: { minValue: 0 },
      description: 'Message segments per second at most, as your contract with the SMSC says; 0 for no limit',
    },
  ];
}
