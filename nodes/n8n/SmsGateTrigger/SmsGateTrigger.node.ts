/**
 * The "SMS Gateway Trigger" node: starts a workflow for each inbound SMS and each delivery
 * report that arrives on the credential's SMPP account or modem.
 *
 * trigger() takes a receiving connection from the pool (a bind, or the open modem) and
 * closeFunction gives it back, which closes it unless sends in this process still use it.
 * Every event reaches this node only after the gateway has stored it and put it in the store's
 * event feed; the transport answers the network (deliver_sm_resp, deleting the SMS from the SIM)
 * only then, so an event this n8n has not handed on when it stops waits in the feed for the
 * trigger's return (or another n8n process of the instance takes it) rather than being lost.
 */
import { randomUUID } from 'node:crypto';
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
    // Each event starts the workflow once per n8n instance, whichever of its processes sharing
    // the store received it: the listener id is the same in each, the workflow and this trigger
    // in it. In manual mode ("Listen for test event") n8n takes the first emitted event as the
    // test run's output and then calls closeFunction: a listener of its own, so that a test run
    // does not take events from the active workflow's trigger, forgotten when it closes.
    const test = this.getMode() === 'manual';
    const listenerId = `${this.getWorkflow().id ?? 'unsaved'}:${this.getNode().name}${test ? `:test:${randomUUID()}` : ''}`;
    const stops = [lease.listen(listenerId, 'inbound', onInbound), lease.listen(listenerId, 'report', onReport)];

    const closeFunction = async () => {
      // Deactivated or n8n stopping: what comes meanwhile waits in the store for the trigger's return.
      await Promise.all(stops.map((stop) => stop({ forget: test })));
      await lease.release();
    };
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
