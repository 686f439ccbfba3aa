/**
 * `smsgate-receive`: inbound SMS, whole (the gateway reassembles concatenated parts, in the
 * store, so a restart between parts loses nothing), from every connection or the chosen one.
 *
 * Each SMS leaves one receive node of a deployment once, whichever of the Node-REDs sharing the
 * store received it and however many run this flow (the host's listener id is the node's id).
 *
 * Output: `msg.payload` the text, `msg.topic` the sender (so a send node wired after it
 * replies to the sender), `msg.sms` {id, from, to, text, time, connection, connectionId,
 * incomplete}.
 */
import type { GatewayHost, StoredInbound } from '../..';
import { chosenConnection } from './filter';
import { statusOf } from './node-status';
import type { NodeDefinition, NodeRedRuntime, RuntimeNode } from './red';

export function registerReceive(RED: NodeRedRuntime, host: GatewayHost): void {
  function ReceiveNode(this: RuntimeNode, def: NodeDefinition) {
    RED.nodes.createNode(this, def);
    const node = this;
    const only = chosenConnection(def);

    const showStatus = () => node.status(statusOf(only === undefined ? [] : [host.connection(only)], { note: host.outboxNote() }));
    const onInbound = (message: StoredInbound) => {
      if (only !== undefined && message.transportId !== only) return;
      const sms = {
        id: message.id,
        from: message.from,
        to: message.to,
        text: message.text,
        time: new Date(message.receivedAt).toISOString(),
        connection: host.connection(message.transportId)?.label ?? message.transportId,
        connectionId: message.transportId,
        incomplete: message.incomplete === true,
      };
      node.send({ payload: message.text, topic: message.from, sms });
    };
    const stopListening = host.listen(node.id, 'inbound', onInbound);
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

  RED.nodes.registerType('smsgate-receive', ReceiveNode as never);
}
