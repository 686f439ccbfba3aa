/**
 * Fakes of n8n's IExecuteFunctions and ITriggerFunctions that behave as n8n 2's own do in the
 * parts the smsgate nodes use:
 *
 * - getNodeParameter(name, itemIndex, fallback): a parameter the node does not have gives the
 *   fallback when one is passed, and throws "Could not get parameter" when none is (n8n's
 *   getNodeParameter); a parameter may be a function of the item, as an expression
 *   `{{ $json.to }}` is evaluated per item.
 * - getCredentials(type): the decrypted data, or n8n's error when the node has none of that type.
 * - continueOnFail(), getNode(), getWorkflow() (a trigger's), getInputData(), logger.
 * - helpers.returnJsonArray as n8n-core implements it.
 * - A trigger in manual mode: after trigger() returns, emit is replaced so the first emitted
 *   data resolves manualTriggerResponse, as n8n-core's TriggersAndPollers does.
 */
import type {
  IDataObject,
  IExecuteFunctions,
  INode,
  INodeExecutionData,
  INodeType,
  ITriggerFunctions,
  ITriggerResponse,
} from 'n8n-workflow';

type Parameter = unknown | ((item: INodeExecutionData, itemIndex: number) => unknown);

export interface FakeOptions {
  nodeType: string;
  parameters: Record<string, Parameter>;
  credentials?: Record<string, Record<string, unknown>>;
}

export interface Logged {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

function fakeNode(options: FakeOptions): INode {
  return {
    id: 'node-1',
    name: options.nodeType.endsWith('Trigger') ? 'SMS Gateway Trigger' : 'SMS Gateway',
    type: `@smsgate/n8n-nodes-smsgate.${options.nodeType}`,
    typeVersion: 1,
    position: [0, 0],
    parameters: {},
  };
}

function parameterOf(options: FakeOptions, name: string, item: INodeExecutionData, itemIndex: number, fallback: unknown): unknown {
  if (!(name in options.parameters)) {
    if (fallback !== undefined) return fallback;
    throw new Error(`Could not get parameter "${name}"`);
  }
  const value = options.parameters[name];
  return typeof value === 'function' ? (value as (i: INodeExecutionData, n: number) => unknown)(item, itemIndex) : value;
}

function credentialsOf(options: FakeOptions, node: INode) {
  return async (type: string) => {
    const data = options.credentials?.[type];
    if (data === undefined) throw new Error(`Node "${node.name}" does not have any credentials of type "${type}" set`);
    return structuredClone(data);
  };
}

/** n8n-core's returnJsonArray. */
export function returnJsonArray(jsonData: IDataObject | IDataObject[]): INodeExecutionData[] {
  const list = Array.isArray(jsonData) ? jsonData : [jsonData];
  return list.map((data) => (data?.json ? { ...data, json: data.json as IDataObject } : { json: data }));
}

function logger(logged: Logged[]) {
  const at = (level: Logged['level']) => (message: string) => void logged.push({ level, message });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface ExecuteRun {
  output: INodeExecutionData[][];
  logged: Logged[];
}

/** Runs a node's execute() over `items` the way n8n calls it. */
export async function execute(
  node: INodeType,
  options: FakeOptions & { items?: IDataObject[]; continueOnFail?: boolean },
): Promise<ExecuteRun> {
  const items: INodeExecutionData[] = (options.items ?? [{}]).map((json) => ({ json }));
  const n8nNode = fakeNode(options);
  const logged: Logged[] = [];
  const context = {
    getInputData: () => items,
    getNode: () => n8nNode,
    getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) =>
      parameterOf(options, name, items[itemIndex]!, itemIndex, fallback),
    getCredentials: credentialsOf(options, n8nNode),
    continueOnFail: () => options.continueOnFail === true,
    logger: logger(logged),
    helpers: { returnJsonArray },
  };
  const output = await node.execute!.call(context as unknown as IExecuteFunctions);
  return { output: output as INodeExecutionData[][], logged };
}

export interface TriggerRun {
  response: ITriggerResponse;
  /** Everything emitted, in order (trigger mode). */
  emitted: INodeExecutionData[][][];
  logged: Logged[];
}

/** Activates a trigger node as n8n does: `trigger` for an active workflow, `manual` for "Listen for test event". */
export async function trigger(node: INodeType, options: FakeOptions & { mode?: 'trigger' | 'manual' }): Promise<TriggerRun> {
  const mode = options.mode ?? 'trigger';
  const n8nNode = fakeNode(options);
  const emitted: INodeExecutionData[][][] = [];
  const logged: Logged[] = [];
  const context = {
    getNode: () => n8nNode,
    getWorkflow: () => ({ id: 'workflow-1', name: 'Test workflow', active: mode === 'trigger' }),
    getMode: () => mode,
    getActivationMode: () => (mode === 'manual' ? 'manual' : 'activate'),
    getNodeParameter: (name: string, fallback?: unknown) => parameterOf(options, name, { json: {} }, 0, fallback),
    getCredentials: credentialsOf(options, n8nNode),
    emit: (data: INodeExecutionData[][]) => void emitted.push(data),
    emitError: (error: Error): void => {
      throw error;
    },
    logger: logger(logged),
    helpers: { returnJsonArray },
  };
  const response = (await node.trigger!.call(context as unknown as ITriggerFunctions)) ?? {};
  if (mode === 'manual') {
    response.manualTriggerResponse = new Promise((resolve, reject) => {
      context.emit = (data) => {
        emitted.push(data);
        resolve(data);
      };
      context.emitError = reject;
    });
  }
  return { response, emitted, logged };
}
