// JSON schemas of every route: fastify validates bodies, params and queries with them (bad input
// gets 400 with the reason) and @fastify/swagger turns them into the OpenAPI document at /docs.
import { IMAGE_NAME_RE } from '../images/names';

const imageName = { type: 'string', pattern: IMAGE_NAME_RE.source, description: 'Image name (letters, digits, . _ -)' } as const;
const u32 = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;

export const errorReply = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
} as const;

const imageSettingsProps = {
  multicastOnly: { type: 'boolean', description: 'No unicast fallback for this image' },
  encrypt: { type: 'boolean', description: 'AES-256-GCM (otherwise HMAC authentication only)' },
  mode: { type: 'string', enum: ['autocast', 'scheduled'] },
  minClients: { type: 'integer', minimum: 1, maximum: 100000 },
  startDelaySec: { type: 'integer', minimum: 0, maximum: 31536000 },
  startAt: { type: 'string', maxLength: 40, description: 'ISO 8601 start time' },
  maxWaitSec: { type: 'integer', minimum: 1, maximum: 31536000 },
  slowPolicy: { type: 'string', pattern: '^(same-speed|tiers|disconnect:[0-9]{1,9})$' },
} as const;

/** PATCH: the same fields, and null clears a scheduled one. */
export const imageSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...imageSettingsProps,
    minClients: { ...imageSettingsProps.minClients, type: ['integer', 'null'] },
    startDelaySec: { ...imageSettingsProps.startDelaySec, type: ['integer', 'null'] },
    startAt: { ...imageSettingsProps.startAt, type: ['string', 'null'] },
    maxWaitSec: { ...imageSettingsProps.maxWaitSec, type: ['integer', 'null'] },
  },
} as const;

export const addImageBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'file'],
  properties: {
    name: imageName,
    file: { type: 'string', minLength: 1, maxLength: 4096, description: "Absolute path of the image file on the DP's disk, inside an image root (--image-root)" },
    usedBlocks: { type: 'boolean', description: "The file is a whole disk: map its filesystems' used blocks; chunks of free space become unused (never sent or written)" },
    kind: { type: 'string', enum: ['disk', 'wim'], description: 'disk (default): written to the target as is; wim: applied to the target disk' },
    wimIndex: { type: 'integer', minimum: 1, maximum: 100000, description: 'wim: the image inside the WIM to apply (default 1)' },
    compress: { type: 'boolean', description: "Compress the stored chunks with zstd into a chunk pack in the data dir (docs/chunking.md, Compression); false: store them raw. Default: the DP's compress-level (on, level 3)" },
    compressLevel: { type: 'integer', minimum: 1, maximum: 22, description: "zstd level (default: the DP's compress-level, 3); not with compress: false" },
    ...imageSettingsProps,
  },
} as const;

export const imageRecord = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    file: { type: 'string' },
    manifestHash: { type: 'string' },
    size: { type: 'number' },
    chunks: { type: 'integer' },
    addedAt: { type: 'string' },
    settings: { type: 'object', additionalProperties: true },
    outsideRoots: { type: 'boolean', description: 'Present (true) when the file is outside the image roots: the image is not served' },
  },
} as const;

export const importList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'file', 'size', 'bytesDone', 'startedAt'],
    properties: { name: { type: 'string' }, file: { type: 'string' }, size: { type: 'number' }, bytesDone: { type: 'number' }, startedAt: { type: 'string' } },
  },
} as const;

export const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: imageName },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: u32 },
} as const;

export const startSessionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['image'],
  properties: { image: imageName },
} as const;

export const looseObject = { type: 'object', additionalProperties: true } as const;
export const looseArray = { type: 'array', items: looseObject } as const;

export const agentRequestBody = {
  type: 'object',
  additionalProperties: false,
  required: ['image', 'hostname'],
  properties: {
    image: imageName,
    hostname: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9._-]+$' },
    macs: { type: 'array', maxItems: 64, items: { type: 'string', pattern: '^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$' } },
    previousReceiverId: { type: 'integer', minimum: 1, maximum: 2147483647 },
    chunksDone: { type: 'integer', minimum: 0 },
    // The agent's interface MTU (issue 29.4: the session's symbol size); IPv4's 576 to 65535.
    mtu: { type: 'integer', minimum: 576, maximum: 65535 },
  },
} as const;

export const agentProgressBody = {
  type: 'object',
  additionalProperties: false,
  required: ['receiverId', 'image', 'state', 'chunksDone', 'totalChunks', 'bytesDone', 'rateBps', 'repairedSymbols'],
  properties: {
    receiverId: { type: 'integer', minimum: 1, maximum: 2147483647 },
    sessionId: u32,
    image: imageName,
    state: { type: 'string', enum: ['waiting', 'receiving', 'repairing', 'done', 'failed', 'fallback'] },
    chunksDone: { type: 'integer', minimum: 0 },
    totalChunks: { type: 'integer', minimum: 0 },
    bytesDone: { type: 'integer', minimum: 0 },
    rateBps: { type: 'number', minimum: 0 },
    repairedSymbols: { type: 'integer', minimum: 0 },
    message: { type: 'string', maxLength: 1000 },
  },
} as const;

export const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    token: { type: 'string', maxLength: 256, description: 'Admin token (EventSource cannot send headers)' },
    once: { type: 'boolean', description: 'Send one snapshot and end the stream' },
  },
} as const;
