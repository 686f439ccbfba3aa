/**
 * The part of Node-RED's runtime API these nodes use, typed here rather than through
 * @types/node-red: it is small, stable since Node-RED 1.0, and this keeps the package's
 * development free of Node-RED's Express typings.
 */

export interface NodeRedRuntime {
  nodes: {
    createNode(node: object, config: NodeDefinition): void;
    registerType(type: string, constructor: new (config: never) => object, options?: { credentials?: CredentialFields }): void;
    getNode(id: string): object | null;
  };
  settings: { userDir?: string; [key: string]: unknown };
  /** The runtime's events; `flows:stopping` and `flows:started` bracket every (re)deploy. */
  events: { on(event: string, listener: (...args: unknown[]) => void): void };
  log: { error(message: string): void; warn(message: string): void; info(message: string): void };
}

export type CredentialFields = Record<string, { type: 'text' | 'password' }>;

/** What the editor saved for a node: its properties as strings, booleans and numbers. */
export interface NodeDefinition {
  id: string;
  type: string;
  name?: string;
  [property: string]: unknown;
}

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type NodeMessage = Record<string, unknown> & { payload?: unknown; topic?: unknown; _msgid?: string };

export type Send = (msg: NodeMessage | Array<NodeMessage | null>) => void;
export type Done = (err?: Error) => void;

/** A runtime node after RED.nodes.createNode(this, config) made it one. */
export interface RuntimeNode {
  readonly id: string;
  readonly name?: string;
  credentials: Record<string, string | undefined>;
  on(event: 'input', handler: (msg: NodeMessage, send: Send, done: Done) => void): void;
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | Array<NodeMessage | null>): void;
  status(status: NodeStatus): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
}
