/**
 * `smsgate-status`: delivery reports, each with the original message's id and correlation
 * value, its state and the carrier's error code; optionally every state change instead (a
 * message that could not be submitted becomes FAILED without any report).
 *
 * Each report leaves one status node of a deployment once, whichever of the Node-REDs sharing
 * the store received it (the host's listener id is the node's id).
 *
 * Output: `msg.payload` {id, correlation, state, reportState, errorCode, error, to, segments,
 * connection, connectionId, providerId, time}, `msg.topic` the correlation value, else the id.
 */
import type { GatewayHost, MessageRecord, ReportEvent, StateChange } from '../..';
import { chosenConnection } from './filter';
import { statusOf } from './node-status';
import type { NodeDefinition, NodeRedRuntime, RuntimeNode } from './red';

export function registerStatus(RED: NodeRedRuntime, host: GatewayHost): void {
  function StatusNode(this: RuntimeNode, def: NodeDefinition) {
    RED.nodes.createNode(this, def);
    const node = this;
    const only = chosenConnection(def);
    const everyState = def.output === 'states';

    const emit = (message: MessageRecord, extra: { reportState: string | null; errorCode: string | null; providerId: string | null }) => {
      if (only !== undefined && message.transportId !== only) return;
      const transportId = message.transportId;
      const payload = {
        id: message.id,
        correlation: message.correlation,
        state: message.state,
        ...extra,
        error: message.error,
        to: message.recipient.e164,
        segments: message.segments,
        connection: transportId === null ? null : (host.connection(transportId)?.label ?? transportId),
        connectionId: transportId,
        time: new Date(message.doneAt ?? message.updatedAt).toISOString(),
      };
      node.send({ payload, topic: message.correlation ?? message.id });
    };
    // A report the gateway could not match to a message (sent by another system on the same
    // account, or after the store was wiped) has no id or correlation to give: it is left out.
    const onReport = ({ report, message }: ReportEvent) => {
      if (message === undefined) return;
      emit(message, { reportState: report.state, errorCode: report.errorCode ?? null, providerId: report.providerId });
    };
    const onState = ({ message }: StateChange) => emit(message, { reportState: null, errorCode: null, providerId: null });
    const showStatus = () => node.status(statusOf(only === undefined ? [] : [host.connection(only)], { note: host.outboxNote() }));

    const stopListening = everyState ? host.listen(node.id, 'state', onState) : host.listen(node.id, 'report', onReport);
    if (only !== undefined) {
      host.on('change', showStatus);
      showStatus();
    }

    node.on('close', (_removed, done) => {
      // Not awaited: a redeploy holds events until flows:started, which comes after this close.
      // Its id's place in the store is kept even when the node is removed here: another Node-RED
      // sharing the store may run the same flow, and forgetting the place would cut it off until
      // it joins again. A place nobody joins again goes with the feed's retention.
      stopListening().catch((err: Error) => node.warn(`smsgate: ${err.message}`));
      host.off('change', showStatus);
      done();
    });
  }

  RED.nodes.registerType('smsgate-status', StatusNode as never);
}
