/**
 * The "SMS Gateway" node: Message → Send through the credential's SMPP account or modem, and
 * Number → Lookup (verify, normalise, name the network; no connection needed).
 *
 * One output item per input item, paired with it. An item that cannot be sent (bad number,
 * refused by the guard, failed at the SMSC) is a NodeOperationError naming the item, or with
 * "Continue On Fail" an item with `error`.
 */
import {
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
} from 'n8n-workflow';
import {
  FINAL_STATES,
  isSmsGateError,
  lookupNumber,
  type EncodingChoice,
  type MessageRecord,
  type MessageState,
  type SendRequest,
} from '../../..';
import type { ConnectionKind } from '../shared/connection';
import { credentialTest } from '../shared/credential-test';
import { connectionCredentials, connectionParameter } from '../shared/description';
import { openConnection } from '../shared/open';
import type { Lease } from '../shared/pool';

type WaitUntil = 'accepted' | 'submitted' | 'final';

interface SendOptions {
  correlation?: string;
  deliveryReport?: boolean;
  encoding?: EncodingChoice;
  validityMinutes?: number;
  region?: string;
  idempotencyKey?: string;
  waitUntil?: WaitUntil;
  timeoutSeconds?: number;
}

export class SmsGate implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'SMS Gateway',
    name: 'smsGate',
    icon: { light: 'file:../icons/smsgate.svg', dark: 'file:../icons/smsgate.dark.svg' },
    group: ['output'],
    version: 1,
    subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
    description: 'Send SMS over SMPP or a GSM modem, and verify phone numbers',
    defaults: { name: 'SMS Gateway' },
    usableAsTool: true,
    inputs: ['main'],
    outputs: ['main'],
    credentials: connectionCredentials({ resource: ['message'] }),
    properties: [
      {
        displayName: 'Resource',
        name: 'resource',
        type: 'options',
        noDataExpression: true,
        default: 'message',
        options: [
          { name: 'Message', value: 'message' },
          { name: 'Number', value: 'number' },
        ],
      },
      connectionParameter({ resource: ['message'] }),
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        displayOptions: { show: { resource: ['message'] } },
        default: 'send',
        options: [{ name: 'Send', value: 'send', action: 'Send an SMS', description: 'Send an SMS' }],
      },
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        displayOptions: { show: { resource: ['number'] } },
        default: 'lookup',
        options: [
          {
            name: 'Lookup',
            value: 'lookup',
            action: 'Look up a phone number',
            description: 'Verify a number, normalise it to E.164 and name its country, type and network',
          },
        ],
      },
      {
        displayName: 'To',
        name: 'to',
        type: 'string',
        required: true,
        default: '',
        placeholder: '+447400123456',
        description: 'The recipient, best in international form; a national number needs the Region option',
        displayOptions: { show: { resource: ['message'], operation: ['send'] } },
      },
      {
        displayName: 'Text',
        name: 'text',
        type: 'string',
        required: true,
        default: '',
        typeOptions: { rows: 4 },
        description: 'The message; a long one goes out in several segments',
        displayOptions: { show: { resource: ['message'], operation: ['send'] } },
      },
      {
        displayName: 'From',
        name: 'from',
        type: 'string',
        default: '',
        placeholder: 'ACME',
        description: 'Sender: a number, a short code or up to 11 letters and digits. Empty: what the SMSC or SIM sets.',
        displayOptions: { show: { resource: ['message'], operation: ['send'] } },
      },
      {
        displayName: 'Options',
        name: 'options',
        type: 'collection',
        placeholder: 'Add option',
        default: {},
        displayOptions: { show: { resource: ['message'], operation: ['send'] } },
        options: [
          {
            displayName: 'Correlation Value',
            name: 'correlation',
            type: 'string',
            default: '',
            description: 'Your own value (an order ID, ...); the trigger hands it back with the delivery report',
          },
          {
            displayName: 'Delivery Report',
            name: 'deliveryReport',
            type: 'boolean',
            default: true,
            description: 'Whether to ask the network for a delivery report',
          },
          {
            displayName: 'Encoding',
            name: 'encoding',
            type: 'options',
            default: 'auto',
            options: [
              { name: 'Automatic', value: 'auto', description: 'GSM 7-bit when the text allows it, else UCS-2' },
              { name: 'GSM 7-Bit', value: 'gsm7', description: 'Fails for characters GSM 03.38 lacks' },
              { name: 'UCS-2', value: 'ucs2', description: 'Any text; 70 characters per segment' },
            ],
          },
          {
            displayName: 'Idempotency Key',
            name: 'idempotencyKey',
            type: 'string',
            default: '',
            description: 'A send with a key already used returns that message instead of sending again (safe retries)',
          },
          {
            displayName: 'Region',
            name: 'region',
            type: 'string',
            default: '',
            placeholder: 'GB',
            description: 'Country code (ISO 3166) for numbers written without an international prefix',
          },
          {
            displayName: 'Timeout (Seconds)',
            name: 'timeoutSeconds',
            type: 'number',
            default: 30,
            typeOptions: { minValue: 0 },
            description:
              'How long to wait for the state asked for; the message stays in the outbox after it, and the output says timedOut: true',
          },
          {
            displayName: 'Validity (Minutes)',
            name: 'validityMinutes',
            type: 'number',
            default: 2880,
            typeOptions: { minValue: 1 },
            description: 'How long the network should keep trying to deliver it, and the gateway to submit it',
          },
          {
            displayName: 'Wait Until',
            name: 'waitUntil',
            type: 'options',
            default: 'submitted',
            options: [
              { name: 'Accepted', value: 'accepted', description: 'Stored in the outbox' },
              { name: 'Submitted', value: 'submitted', description: 'Taken by the SMSC or the modem' },
              {
                name: 'Final State',
                value: 'final',
                description:
                  "Delivered, undelivered, expired or another final state. While it waits, the connection also receives, so the message's delivery report can come to this execution. A transmitter-only credential cannot receive: the wait then ends when another process bound to the same account (an SMS Gateway Trigger) stores the report, else at the timeout. Without a delivery report asked for, it waits only for the submit.",
              },
            ],
          },
        ],
      },
      {
        displayName: 'Phone Number',
        name: 'number',
        type: 'string',
        required: true,
        default: '',
        placeholder: '+447400123456',
        displayOptions: { show: { resource: ['number'], operation: ['lookup'] } },
      },
      {
        displayName: 'Region',
        name: 'region',
        type: 'string',
        default: '',
        placeholder: 'GB',
        description: 'Country code (ISO 3166) for numbers written without an international prefix',
        displayOptions: { show: { resource: ['number'], operation: ['lookup'] } },
      },
    ],
  };

  methods = { credentialTest };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const items = this.getInputData();
    const resource = this.getNodeParameter('resource', 0) as string;
    const returnData: INodeExecutionData[] = [];
    // Opened on the first item that needs it, once per execution; every item shares the bind,
    // which also receives while any item waits for a delivery report.
    let lease: Promise<Lease> | undefined;
    const open = () =>
      (lease ??= openConnection(this, this.getNodeParameter('connection', 0) as ConnectionKind, 'send', {
        receipts: resource === 'message' && items.some((_, i) => waitsForReport(sendOptions(this, i))),
      }).then((held) => {
        if (!held.receives && items.some((_, i) => waitsForReport(sendOptions(this, i)))) {
          this.logger.warn(
            'smsgate: the credential binds as transmitter only, so delivery reports cannot come to this execution; ' +
              'Wait Until: Final State ends when another process bound to the account stores the report, or at the timeout',
          );
        }
        return held;
      }));
    try {
      for (let i = 0; i < items.length; i++) {
        try {
          const json = resource === 'number' ? await lookup(this, i) : await send(this, i, await open());
          returnData.push({ json, pairedItem: { item: i } });
        } catch (error) {
          if (this.continueOnFail()) {
            returnData.push({ json: { error: (error as Error).message, ...codeOf(error) }, pairedItem: { item: i } });
            continue;
          }
          throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
        }
      }
    } finally {
      if (lease !== undefined) await lease.then((held) => held.release(), () => undefined);
    }
    return [returnData];
  }
}

async function lookup(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const input = ctx.getNodeParameter('number', itemIndex) as string;
  const region = (ctx.getNodeParameter('region', itemIndex, '') as string) || undefined;
  try {
    const info = await lookupNumber(input, { region, field: 'number' });
    return { input, valid: true, e164: info.e164, country: info.country, type: info.type, carrier: info.carrier };
  } catch (err) {
    // An invalid number is an answer, as `smsgate lookup --json` gives it: flows branch on `valid`.
    if (!isSmsGateError(err) || err.kind !== 'input') throw err;
    return { input, valid: false, error: { code: err.code, message: err.message } };
  }
}

function sendOptions(ctx: IExecuteFunctions, itemIndex: number): SendOptions {
  return ctx.getNodeParameter('options', itemIndex, {}) as SendOptions;
}

/** Only a report can make a message final after its submit: none comes when none is asked for. */
function waitsForReport(options: SendOptions): boolean {
  return options.waitUntil === 'final' && options.deliveryReport !== false;
}

async function send(ctx: IExecuteFunctions, itemIndex: number, lease: Lease): Promise<IDataObject> {
  const options = sendOptions(ctx, itemIndex);
  const from = ctx.getNodeParameter('from', itemIndex, '') as string;
  const request: SendRequest = {
    to: ctx.getNodeParameter('to', itemIndex) as string,
    text: ctx.getNodeParameter('text', itemIndex) as string,
    transports: [lease.transportId],
    ...(from === '' ? {} : { from }),
    ...(options.correlation ? { correlation: options.correlation } : {}),
    ...(options.deliveryReport === undefined ? {} : { deliveryReport: options.deliveryReport }),
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
    ...(options.validityMinutes === undefined ? {} : { validitySeconds: options.validityMinutes * 60 }),
    ...(options.region ? { region: options.region } : {}),
    ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
  };
  const accepted = await lease.gateway.send(request);
  const waitUntil = options.waitUntil === 'accepted' ? undefined : waitsForReport(options) ? 'final' : 'submitted';
  const reached = (state: MessageState) =>
    waitUntil === undefined || (waitUntil === 'final' ? FINAL_STATES.has(state) : state !== 'QUEUED');
  const message =
    waitUntil === undefined || reached(accepted.state)
      ? accepted
      : await lease.gateway.waitFor(accepted.id, waitUntil, (options.timeoutSeconds ?? 30) * 1000);
  if (message.state === 'REJECTED' || message.state === 'FAILED') {
    const reason = message.error === null ? message.state : `${message.error.code}: ${message.error.message}`;
    throw new NodeOperationError(ctx.getNode(), `The message to ${message.recipient.e164} was ${message.state.toLowerCase()}: ${reason}`, {
      itemIndex,
      description: `Message ID ${message.id}`,
    });
  }
  return { ...output(message), timedOut: !reached(message.state) };
}

/** The CLI's send result (`id, to, transport, segments, state, providerIds`) and what n8n flows use next. */
function output(message: MessageRecord): IDataObject {
  return {
    id: message.id,
    to: message.recipient.e164,
    country: message.recipient.country,
    carrier: message.recipient.carrier,
    from: message.sender?.address ?? null,
    transport: message.transportId,
    segments: message.segments,
    encoding: message.encoding,
    state: message.state,
    providerIds: message.providerIds,
    correlation: message.correlation,
    error: message.error === null ? null : { ...message.error },
  };
}

function codeOf(error: unknown): IDataObject {
  return isSmsGateError(error) ? { code: error.code, ...(error.field === undefined ? {} : { field: error.field }) } : {};
}
