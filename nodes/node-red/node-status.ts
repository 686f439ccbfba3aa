/**
 * What a flow node's status shows: the truth about the links it uses (connected, reconnecting,
 * throttled, no SIM, the error's detail) and, for senders, the outbox's queue depth. Details
 * come from the transports, which keep secrets out of them.
 */
import type { Connection, LinkState } from '../..';
import type { NodeStatus } from './red';

const LOOK: Record<LinkState, Required<Pick<NodeStatus, 'fill' | 'shape'>> & { text: string }> = {
  connected: { fill: 'green', shape: 'dot', text: 'connected' },
  throttled: { fill: 'yellow', shape: 'dot', text: 'throttled' },
  connecting: { fill: 'yellow', shape: 'ring', text: 'connecting' },
  reconnecting: { fill: 'yellow', shape: 'ring', text: 'reconnecting' },
  disconnected: { fill: 'red', shape: 'ring', text: 'disconnected' },
  error: { fill: 'red', shape: 'dot', text: 'error' },
};

/** Best first: the fill of a node with several connections is that of its best link. */
const RANK: LinkState[] = ['connected', 'throttled', 'connecting', 'reconnecting', 'disconnected', 'error'];

/** Node-RED shows a status on one line under the node; longer text only gets in the way. */
const MAX_TEXT = 100;

/**
 * `connections` in the node's order; undefined entries are ids with no deployed config node.
 * `queued` is shown when given (send nodes); `note`, what the host says about the outbox (it
 * is in memory), is shown whole after the rest, which the length cap may shorten.
 */
export function statusOf(connections: Array<Readonly<Connection> | undefined>, { queued, note }: { queued?: number; note?: string } = {}): NodeStatus {
  if (connections.length === 0) return { fill: 'grey', shape: 'ring', text: 'no connection chosen' };
  const several = connections.length > 1;
  const parts = connections.map((connection) => {
    if (connection === undefined) return 'connection not deployed';
    const { state, detail } = connection.link;
    if (several) return `${connection.label} ${LOOK[state].text}`;
    return detail === undefined ? LOOK[state].text : `${LOOK[state].text}: ${detail}`;
  });
  const states = connections.map((connection) => connection?.link.state ?? 'disconnected');
  const best = RANK.find((state) => states.includes(state))!;
  let text = parts.join(', ');
  if (queued !== undefined) text += ` · ${queued} queued`;
  if (text.length > MAX_TEXT) text = `${text.slice(0, MAX_TEXT - 1)}…`;
  if (note !== undefined) text += ` · ${note}`;
  return { fill: LOOK[best].fill, shape: LOOK[best].shape, text };
}
