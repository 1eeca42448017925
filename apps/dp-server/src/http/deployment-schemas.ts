// JSON schemas of the deployments, history and machine-decision routes (issue 24).

const nullableString = { type: ['string', 'null'] } as const;
const isoTime = { type: 'string', minLength: 10, maxLength: 40, description: 'ISO 8601 time, e.g. 2026-12-24T18:00:00Z' } as const;

export const addDeploymentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'collection'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' },
    kind: { type: 'string', enum: ['deploy', 'capture'], default: 'deploy', description: "deploy: write the image to the machines; capture: make each machine's disk a new image" },
    image: { type: 'string', minLength: 1, maxLength: 128, description: 'deploy: the image (required); capture: the new image name pattern, fields {machine} {deployment} {date} {time} (default {machine}-{date})' },
    collection: { type: 'string', minLength: 1, maxLength: 63 },
    purpose: { type: 'string', enum: ['required', 'available'], default: 'required' },
    disk: { type: 'string', minLength: 1, maxLength: 256, description: 'first-fixed, serial:X, wwn:X, model:GLOB, size:MIN-MAX, path:/dev/X', default: 'first-fixed' },
    after: { type: 'string', enum: ['reboot', 'poweroff', 'none'], default: 'reboot' },
    script: { type: 'string', minLength: 1, maxLength: 2048, description: 'http(s) URL the agent fetches and runs after the image is written' },
    notBefore: isoTime,
    deadline: isoTime,
    variables: { type: 'object', maxProperties: 100, additionalProperties: { type: 'string', maxLength: 4096 } },
  },
} as const;

export const deploymentRecord = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    kind: { type: 'string' },
    image: { type: 'string' },
    collection: { type: 'string' },
    purpose: { type: 'string' },
    disk: { type: 'string' },
    after: { type: 'string' },
    script: nullableString,
    notBefore: nullableString,
    deadline: nullableString,
    variables: { type: 'object', additionalProperties: { type: 'string' } },
    createdAt: { type: 'string' },
  },
} as const;

export const rerunBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { machine: { type: 'string', minLength: 1, maxLength: 63, description: 'Re-arm this machine only (otherwise every machine)' } },
} as const;

export const historyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    machine: { type: 'string', maxLength: 63 },
    deployment: { type: 'string', maxLength: 63 },
    since: isoTime,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    after: { type: 'string', maxLength: 40, description: 'The X-Next-Cursor header of the previous page: the entries older than its last one' },
  },
} as const;

export const historyRecord = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    machine: nullableString,
    deployment: nullableString,
    image: nullableString,
    startedAt: { type: 'string' },
    endedAt: nullableString,
    bytes: { type: ['number', 'null'] },
    transport: nullableString,
    repairedSymbols: { type: ['integer', 'null'] },
    exitCode: { type: ['integer', 'null'] },
    result: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

export const decisionRecord = {
  type: 'object',
  additionalProperties: true,
  properties: {
    action: { type: 'string', enum: ['deploy', 'capture', 'wait', 'nothing', 'conflict'] },
    reason: { type: 'string' },
    deployment: { type: 'string' },
    deployments: { type: 'array', items: { type: 'string' } },
    available: { type: 'array', items: { type: 'string' } },
    until: { type: 'string' },
    image: { type: 'string' },
    disk: { type: 'string', description: 'Disk selector: first-fixed, serial:X, wwn:X, model:GLOB, size:MIN-MAX, path:/dev/X' },
    after: { type: 'string', enum: ['reboot', 'poweroff', 'none'] },
    script: { type: ['string', 'null'] },
    variables: { type: 'object', additionalProperties: { type: 'string' } },
    imageBytes: { type: 'integer', description: "The image's size (agent assignment answers only)" },
    grant: { type: 'string', description: 'capture answers to agents only: the capture grant for this image, in place of a token that may capture' },
  },
} as const;
