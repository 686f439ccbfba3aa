import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * A GSM modem on a serial port of the machine n8n runs on. Read by
 * nodes/n8n/shared/connection.ts and checked there by the config file's validator.
 */
export class SmsGateModemApi implements ICredentialType {
  name = 'smsGateModemApi';

  displayName = 'SMS Gateway Modem API';

  documentationUrl = 'https://www.npmjs.com/package/@smsgate/n8n-nodes-smsgate#n8n';

  // The nodes' icons: n8n resolves the path from this file's directory in dist/credentials/.
  icon = { light: 'file:../n8n/icons/smsgate.svg', dark: 'file:../n8n/icons/smsgate.dark.svg' } as const;

  properties: INodeProperties[] = [
    {
      displayName: 'Serial Port',
      name: 'path',
      type: 'string',
      default: '',
      required: true,
      placeholder: '/dev/ttyUSB0',
      description: 'The device path of the modem',
    },
    {
      displayName: 'Baud Rate',
      name: 'baudRate',
      type: 'options',
      default: 115200,
      options: [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600].map((rate) => ({ name: String(rate), value: rate })),
    },
    {
      displayName: 'SIM PIN',
      name: 'pin',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      description: 'Only if the SIM asks for one (4 to 8 digits). A wrong PIN is never tried twice, so the SIM does not lock.',
    },
    {
      displayName: 'SMSC Number',
      name: 'smsc',
      type: 'string',
      default: '',
      placeholder: '+447785016005',
      description: "Only for SIMs that do not carry their network's SMS centre number",
    },
  ];
}
