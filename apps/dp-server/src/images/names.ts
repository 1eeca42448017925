import { DpError } from '../errors';

/**
 * Image names appear in URLs, logs and the dashboard, never as file names (manifests are stored by
 * hash); still, only a plain word is accepted, so no name can mean a path anywhere.
 */
export const IMAGE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The rule in words, for every message that refuses a name (the API's 400, the CLI): until
 * 2026-12 the API answered with the raw regex, which told an admin nothing.
 */
export const IMAGE_NAME_RULE = "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'";

export function validateImageName(name: string): string {
  if (!IMAGE_NAME_RE.test(name) || name.includes('..')) {
    throw new DpError('DP_BAD_IMAGE_NAME', `bad image name ${JSON.stringify(name)}: ${IMAGE_NAME_RULE}`, { name });
  }
  return name;
}
