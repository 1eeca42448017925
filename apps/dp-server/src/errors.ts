import { CastpointError } from '@castpoint/wire';
import { BOOT_ERROR_CODES, BOOT_ERROR_STATUS } from './boot/errors';
import { DEPLOY_ERROR_CODES, DEPLOY_ERROR_STATUS } from './deployments/errors';
import { CAPTURE_ERROR_CODES, CAPTURE_ERROR_STATUS } from './images/capture-errors';

/**
 * Every typed error code of castpoint-dp's images, sessions and settings, with one sentence each.
 * The machines/collections/deployments codes live beside their code (deployments/errors.ts); both
 * meet in DP_ERROR_CODES and DP_ERROR_STATUS below, the one table the API's error handler reads, so
 * the API answers the same way wherever an error is raised.
 */
export const DP_CORE_ERROR_CODES = {
  DP_BAD_SETTING: 'A setting (flag, environment variable or config file entry) has an invalid value.',
  DP_BAD_CONFIG_FILE: 'The config file cannot be read or is not a JSON object of known settings.',
  DP_BAD_IMAGE_NAME: 'An image name is empty, too long, or holds characters that could reach outside the data directory.',
  DP_IMAGE_EXISTS: 'An image of that name is already registered.',
  DP_IMAGE_NOT_FOUND: 'No image of that name is registered.',
  DP_IMAGE_FILE: 'The image FILE cannot be read, or changed since it was imported.',
  DP_IMAGE_BUSY: 'The image has a live session, so it cannot be removed.',
  DP_IMAGE_OUTSIDE_ROOTS: 'The image file is not inside a configured image root (--image-root), so it is neither imported nor served.',
  DP_SESSION_NOT_FOUND: 'No session with that id exists.',
  DP_SESSION_ENDED: 'The session has already ended.',
  DP_SESSION_CANCELLED: 'The administrator cancelled the waiting session the agent was waiting for.',
  DP_RANGE_EXHAUSTED: 'Every group:port of the configured ranges is taken by a live session.',
  DP_FALLBACK_FORBIDDEN: 'The image is multicast-only, so unicast downloads are refused.',
  DP_UNKNOWN_RECEIVER: 'The receiver id is not registered with this DP.',
  DP_BAD_RANGE: 'The HTTP Range header is malformed or outside the image.',
  DP_STATE_CORRUPT: 'The state file in the data directory cannot be parsed.',
  DP_DATA_DIR_IN_USE: 'Another castpoint-dp runs on the same data directory.',
  DP_LISTEN_FAILED: 'The HTTP listener cannot bind its address (in use, or not permitted).',
  DP_IMAGE_BROKEN: 'The image file no longer matches its manifest (found while sending it): refused until the image is removed and added again.',
  DP_API: 'A REST call from the command line failed (status and reason in the data).',
  DP_BUSY: 'A step of an agent request (image check, session start) took too long; the agent asks again.',
  DP_STORAGE_FULL: 'The DP cannot save its state (disk full or failing): new sessions and imports are refused until it can.',
} as const;

export const DP_ERROR_CODES = { ...DP_CORE_ERROR_CODES, ...DEPLOY_ERROR_CODES, ...CAPTURE_ERROR_CODES, ...BOOT_ERROR_CODES } as const;

export type DpErrorCode = keyof typeof DP_ERROR_CODES;

/** HTTP status the API answers for each code. */
export const DP_ERROR_STATUS: Record<DpErrorCode, number> = {
  DP_BAD_SETTING: 400,
  DP_BAD_CONFIG_FILE: 400,
  DP_BAD_IMAGE_NAME: 400,
  DP_IMAGE_EXISTS: 409,
  DP_IMAGE_NOT_FOUND: 404,
  DP_IMAGE_FILE: 422,
  DP_IMAGE_BUSY: 409,
  DP_IMAGE_OUTSIDE_ROOTS: 422,
  DP_SESSION_NOT_FOUND: 404,
  DP_SESSION_ENDED: 409,
  DP_SESSION_CANCELLED: 410,
  DP_RANGE_EXHAUSTED: 503,
  DP_FALLBACK_FORBIDDEN: 403,
  DP_UNKNOWN_RECEIVER: 404,
  DP_BAD_RANGE: 416,
  DP_STATE_CORRUPT: 500,
  DP_DATA_DIR_IN_USE: 409,
  DP_LISTEN_FAILED: 500,
  DP_IMAGE_BROKEN: 409,
  DP_API: 502,
  DP_BUSY: 503,
  DP_STORAGE_FULL: 507,
  ...DEPLOY_ERROR_STATUS,
  ...CAPTURE_ERROR_STATUS,
  ...BOOT_ERROR_STATUS,
};

export class DpError<D = unknown> extends CastpointError<DpErrorCode, D> {
  constructor(code: DpErrorCode, message: string, data?: D, options?: { cause?: unknown }) {
    super(code, message, data, options);
    this.name = 'DpError';
  }
}
