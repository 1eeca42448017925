// The shape a state file must have before the DP runs on it. A file of the wrong shape (edited by
// hand, written by another program, cut short) started the DP, which then answered 500 or a
// misleading error and rewrote the file. Now the start is refused with one line naming the file and
// the first problem, and the file is left as it is. Fields not listed here are allowed: a newer DP
// may add some, and an older one must not refuse the state for that.
import Ajv, { type ErrorObject } from 'ajv';
import { DpError } from '../errors';
import type { DpState } from './types';

const str = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const ints = { type: 'array', items: int } as const;

const image = {
  type: 'object',
  required: ['name', 'file', 'manifestHash', 'size', 'chunks', 'fileMtimeMs', 'addedAt', 'settings'],
  properties: {
    name: str,
    file: str,
    manifestHash: { type: 'string', pattern: '^[0-9a-f]{16,128}$' },
    size: int,
    chunks: int,
    fileMtimeMs: { type: 'number' },
    addedAt: str,
    settings: {
      type: 'object',
      required: ['multicastOnly', 'encrypt', 'mode', 'slowPolicy'],
      properties: { multicastOnly: { type: 'boolean' }, encrypt: { type: 'boolean' }, mode: { enum: ['autocast', 'scheduled'] }, slowPolicy: { type: 'object', required: ['kind'], properties: { kind: str } } },
    },
  },
} as const;

const session = {
  type: 'object',
  required: ['id', 'image', 'manifestHash', 'group', 'port', 'senderAddress', 'senderPort', 'key', 'encrypted', 'mode', 'tier', 'rateBps', 'state', 'createdAt', 'receivers', 'waiting', 'bytesSent', 'packetsSent'],
  properties: {
    id: int,
    image: str,
    manifestHash: str,
    group: str,
    port: int,
    senderAddress: str,
    senderPort: int,
    key: str,
    encrypted: { type: 'boolean' },
    mode: { enum: ['autocast', 'scheduled'] },
    tier: int,
    rateBps: { type: 'number' },
    symbolSize: int,
    state: { enum: ['waiting', 'running', 'done', 'cancelled', 'failed'] },
    createdAt: str,
    receivers: ints,
    waiting: { type: 'array', items: str },
    bytesSent: { type: 'number' },
    packetsSent: { type: 'number' },
  },
} as const;

const client = {
  type: 'object',
  required: ['id', 'hostname', 'image', 'receiverId', 'receiverIds', 'state', 'chunksDone', 'totalChunks', 'progress', 'tier', 'fallback', 'firstSeen', 'lastSeen'],
  properties: {
    id: int,
    hostname: str,
    image: str,
    receiverId: int,
    receiverIds: { ...ints, minItems: 1 },
    state: str,
    chunksDone: int,
    totalChunks: int,
    progress: { type: 'number' },
    tier: int,
    fallback: { type: 'boolean' },
    firstSeen: str,
    lastSeen: str,
    // Optional (records from before they were kept load as they are).
    ip: str,
    macs: { type: 'array', items: str },
    machine: str,
    startedAt: str,
    endedAt: str,
    result: str,
  },
} as const;

const stateSchema = {
  type: 'object',
  required: ['version', 'epoch', 'nextReceiverId', 'nextSessionId', 'tokens', 'images', 'sessions', 'clients', 'history'],
  properties: {
    version: { const: 1 },
    epoch: int,
    nextReceiverId: { type: 'integer', minimum: 1 },
    nextSessionId: { type: 'integer', minimum: 1 },
    tokens: { type: 'object', required: ['admin', 'client'], properties: { admin: str, client: str } },
    images: { type: 'object', additionalProperties: image },
    sessions: { type: 'array', items: session },
    clients: { type: 'array', items: client },
    history: { type: 'array', items: { type: 'object', required: ['at', 'event'], properties: { at: str, event: str } } },
  },
} as const;

const validateShape = new Ajv({ allErrors: false, strict: true }).compile(stateSchema);

function problemOf(e: ErrorObject): string {
  const where = e.instancePath === '' ? 'the top level' : e.instancePath.slice(1).replace(/\//g, '.');
  return `${where} ${e.message ?? 'is invalid'}${e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : ''}`;
}

/** `value` (parsed from `path`) as a DpState, or DP_STATE_CORRUPT naming the file and the first problem. */
export function validateState(value: unknown, path: string): DpState {
  if (validateShape(value)) return value as unknown as DpState;
  const first = validateShape.errors?.[0];
  const why = first ? problemOf(first) : 'does not have the shape of a state file';
  throw new DpError('DP_STATE_CORRUPT', `${path} is not a valid castpoint-dp state file: ${why}; the file was left as it is (fix or move it, then start again)`, { path, problem: why });
}
