/**
 * The "SMS Gateway Trigger" node: starts a workflow for each inbound SMS and each delivery
 * report that arrives on the credential's SMPP account or modem.
 *
 * trigger() takes a receiving connection from the pool (a bind, or the open modem) and
 * closeFunction gives it back, which closes it unless sends in this process still use it.
 * Every event reaches this node only after the gateway has stored it; the transport answers
 * the network (deliver_sm_resp, deleting the SMS from the SIM) only then, so an n8n that stops
 * between the two gets the event again rather than losing it.
 */
import {
  NodeOperationError,
  type IDataObject,
  type INodeType,
  type INodeTypeDescription,
  type ITriggerFunctions,
  type ITriggerResponse,
} from 'n8n-workflow';
import { FINAL_STATES, type ReportEvent, type StoredInbound } from '../../..';
import type { ConnectionKind } from '../shared/connection';
import { credentialTest } from '../shared/credential-test';
import { connectionCredentials, connectionParameter } from '../shared/description';
import { openConnection } from '../shared/open';

type EventName = 'inbound' | 'report';

export class SmsGateTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'SMS Gateway Trigger',
    name: 'smsGateTrigger',
    icon: { light: 'file:../icons/smsgate.svg', dark: 'file:../icons/smsgate.dark.svg' },
    group: ['trigger'],
    version: 1,
    subtitle: '={{$parameter["events"].join(", ")}}',
    description: 'Starts the workflow when an SMS or a delivery report arrives over SMPP or a GSM modem',
    eventTriggerDescription: 'Waiting for an SMS or a delivery report',
    defaults: { name: 'SMS Gateway Trigger' },
    inputs: [],
    outputs: ['main'],
    credentials: connectionCredentials(),
    properties: [
      connectionParameter(),
      {
        displayName: 'Events',
        name: 'events',
        type: 'multiOptions',
        required: true,
        default: ['inbound', 'report'],
        options: [
          { name: 'Inbound SMS', value: 'inbound', description: 'An SMS someone sent to your number' },
          { name: 'Delivery Report', value: 'report', description: 'The network says what became of a message you sent' },
        ],
      },
      {
        displayName: 'Options',
        name: 'options',
        type: 'collection',
        placeholder: 'Add option',
        default: {},
        options: [
          {
            displayName: 'Final Reports Only',
            name: 'finalOnly',
            type: 'boolean',
            default: true,
            description:
              'Whether a message sent in several segments starts the workflow once, when its last report makes its state final, rather than once per segment',
          },
        ],
      },
    ],
  };

  methods = { credentialTest };

  async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
    const kind = this.getNodeParameter('connection', 'smpp') as ConnectionKind;
    const events = new Set(this.getNodeParameter('events', []) as EventName[]);
    const { finalOnly = true } = this.getNodeParameter('options', {}) as { finalOnly?: boolean };
    if (events.size === 0) throw new NodeOperationError(this.getNode(), 'Choose at least one event to listen for');

    let lease;
    try {
      lease = await openConnection(this, kind, 'receive');
    } catch (error) {
      throw new NodeOperationError(this.getNode(), error as Error);
    }
    const { transportId } = lease;
    const emit = (json: IDataObject) => this.emit([this.helpers.returnJsonArray([json])]);

    const onInbound = (message: StoredInbound) => {
      if (message.transportId !== transportId || !events.has('inbound')) return;
      emit(inboundJson(message));
    };
    const onReport = ({ report, message }: ReportEvent) => {
      if (report.transportId !== transportId || !events.has('report')) return;
      if (finalOnly && message !== undefined && !FINAL_STATES.has(message.state)) return;
      emit(reportJson({ report, message }));
    };
    // The same in every n8n process of the instance: the workflow and this trigger in it.
    const listenerId = `${this.getWorkflow().id ?? 'unsaved'}/${this.getNode().name}`;
    const stops = [lease.listen(listenerId, 'inbound', onInbound), lease.listen(listenerId, 'report', onReport)];

    const closeFunction = async () => {
      for (const stop of stops) stop();
      await lease.release();
    };
    // In manual mode ("Listen for test event") n8n takes the first emitted event as the test
    // run's output and then calls closeFunction; nothing more is needed here.
    return { closeFunction };
  }
}

function inboundJson(message: StoredInbound): IDataObject {
  return {
    event: 'inbound',
    id: message.id,
    from: message.from,
    to: message.to,
    text: message.text,
    receivedAt: new Date(message.receivedAt).toISOString(),
    incomplete: message.incomplete === true,
  };
}

/**
 * A report names the message it is about, with the correlation value given at send time,
 * whichever n8n process sent it (the store is shared); `messageId` is null for a report on a
 * message this store does not know.
 */
function reportJson({ report, message }: ReportEvent): IDataObject {
  return {
    event: 'report',
    messageId: message?.id ?? null,
    correlation: message?.correlation ?? null,
    to: message?.recipient.e164 ?? null,
    state: message?.state ?? report.state,
    final: message === undefined ? FINAL_STATES.has(report.state) : FINAL_STATES.has(message.state),
    reportState: report.state,
    providerId: report.providerId,
    errorCode: report.errorCode ?? null,
    segments: message?.segments ?? null,
    doneAt: report.doneAt === undefined ? null : new Date(report.doneAt).toISOString(),
  };
}
