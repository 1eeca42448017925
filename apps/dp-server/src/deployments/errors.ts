import { CastpointError } from '@castpoint/wire';

/**
 * Typed error codes of machines, collections, deployments and their store, with one sentence
 * each and the HTTP status each answers. ../errors.ts merges them into the DP's one table
 * (DP_ERROR_CODES, DP_ERROR_STATUS), which the app's error handler reads.
 */
export const DEPLOY_ERROR_CODES = {
  DP_BAD_MAC: 'A MAC address is not six hex octets (separated by colons, dashes, or not at all).',
  DP_IDENTIFIER_TAKEN: 'The MAC address or SMBIOS UUID already belongs to another machine (named in the data).',
  DP_MACHINE_EXISTS: 'A machine of that name already exists.',
  DP_MACHINE_NOT_FOUND: 'No machine of that name or id exists.',
  DP_COLLECTION_EXISTS: 'A collection of that name already exists.',
  DP_COLLECTION_NOT_FOUND: 'No collection of that name exists.',
  DP_COLLECTION_IN_USE: 'Deployments target the collection, so it cannot be removed (they are named in the data).',
  DP_BAD_RULE: 'A collection rule is not one of mac:, mac-prefix:, name:, model: or unknown.',
  DP_DEPLOYMENT_EXISTS: 'A deployment of that name already exists.',
  DP_DEPLOYMENT_NOT_FOUND: 'No deployment of that name exists.',
  DP_BAD_DEPLOYMENT: 'A deployment field is invalid (purpose, after, window, or variables).',
  DP_NO_DEPLOYMENT: 'A refresh found no required deployment that re-arming would make the machine run at its next boot (the machine, and the deployment when named, are in the data).',
  DP_DEPLOYMENT_AMBIGUOUS: 'A refresh found several required deployments for the machine: name the one to re-arm (they are named in the data).',
  DP_BAD_CSV: 'The machine import file has lines that are not name,mac[,uuid] (each bad line is listed in the data).',
  DP_DATABASE: 'The database cannot be opened or migrated.',
  DP_BAD_CURSOR: 'A page cursor (--after) is not the next cursor a previous page of the listing returned.',
} as const;

export type DeployErrorCode = keyof typeof DEPLOY_ERROR_CODES;

/** HTTP status the API is to answer for each code. */
export const DEPLOY_ERROR_STATUS: Record<DeployErrorCode, number> = {
  DP_BAD_MAC: 400,
  DP_IDENTIFIER_TAKEN: 409,
  DP_MACHINE_EXISTS: 409,
  DP_MACHINE_NOT_FOUND: 404,
  DP_COLLECTION_EXISTS: 409,
  DP_COLLECTION_NOT_FOUND: 404,
  DP_COLLECTION_IN_USE: 409,
  DP_BAD_RULE: 400,
  DP_DEPLOYMENT_EXISTS: 409,
  DP_DEPLOYMENT_NOT_FOUND: 404,
  DP_BAD_DEPLOYMENT: 400,
  DP_NO_DEPLOYMENT: 409,
  DP_DEPLOYMENT_AMBIGUOUS: 409,
  DP_BAD_CSV: 400,
  DP_DATABASE: 500,
  DP_BAD_CURSOR: 400,
};

export class DeployError<D = unknown> extends CastpointError<DeployErrorCode, D> {
  constructor(code: DeployErrorCode, message: string, data?: D, options?: { cause?: unknown }) {
    super(code, message, data, options);
    this.name = 'DeployError';
  }
}
