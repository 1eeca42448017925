// JSON schemas of the machines and collections routes (issue 24): validated by fastify, published
// in the OpenAPI document at /docs.

const name = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$', description: 'Name (letters, digits, . _ -)' } as const;
const mac = { type: 'string', minLength: 12, maxLength: 17, description: 'MAC address, e.g. 52:54:00:12:34:56' } as const;
const nullableString = { type: ['string', 'null'] } as const;

export const fleetNameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 63 } } } as const;
export const memberParams = {
  type: 'object',
  required: ['name', 'machine'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 63 }, machine: { type: 'string', minLength: 1, maxLength: 63 } },
} as const;

export const machineListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after: { type: 'integer', minimum: 0, description: 'The `next` of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    state: { type: 'string', enum: ['unknown', 'known'], description: 'Only machines in this state (`unknown`: registered themselves, waiting for an operator)' },
  },
} as const;

export const addMachineBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'macs'],
  properties: {
    name,
    macs: { type: 'array', items: mac, minItems: 1, maxItems: 64 },
    uuid: { type: 'string', pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$', description: 'SMBIOS UUID' },
  },
} as const;

export const importMachinesBody = {
  type: 'object',
  additionalProperties: false,
  required: ['csv'],
  properties: {
    csv: { type: 'string', maxLength: 4_000_000, description: 'The file: name,mac[,uuid] per line' },
    partial: { type: 'boolean', default: false, description: 'Add the good rows and answer every refused one with its reason (200); without it, all rows or none (201, or 4xx naming the bad lines)' },
  },
} as const;

/**
 * Rename and approve: naming a machine approves it (state `known`), as the model says; `state`
 * alone approves it under the name it has. A machine is never made `unknown` again.
 */
export const patchMachineBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: { ...name, description: 'The new name (letters, digits, . _ -): history rows of the machine follow it' },
    state: { type: 'string', enum: ['known'], description: 'known: approve a machine that registered itself' },
  },
} as const;

export const machineRecord = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    state: { type: 'string', enum: ['unknown', 'known'] },
    macs: { type: 'array', items: { type: 'string' } },
    uuid: nullableString,
    serial: nullableString,
    vendor: nullableString,
    model: nullableString,
    lastIp: nullableString,
    firstSeen: nullableString,
    lastSeen: nullableString,
    createdAt: { type: 'string' },
  },
} as const;

export const machinePage = {
  type: 'object',
  properties: { machines: { type: 'array', items: machineRecord }, next: { type: ['integer', 'null'] } },
} as const;

export const addCollectionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name,
    rules: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 4096 }, description: 'mac:M[,M...], mac-prefix:OCTETS, name:GLOB, model:GLOB, unknown' },
  },
} as const;

export const collectionRecord = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    rules: { type: 'array', items: { type: 'string' } },
    members: { type: 'array', items: { type: 'string' }, description: 'Names of the static members' },
    createdAt: { type: 'string' },
  },
} as const;

/** The partial import's answer: what was added, and each line refused with its reason. */
export const importReport = {
  type: 'object',
  properties: {
    imported: { type: 'integer' },
    machines: { type: 'array', items: machineRecord },
    refused: {
      type: 'array',
      items: {
        type: 'object',
        properties: { line: { type: 'integer' }, name: { type: ['string', 'null'] }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;
