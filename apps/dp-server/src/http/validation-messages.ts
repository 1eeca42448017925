// Words for the schema checks whose default message is a raw regex: ajv says `must match pattern
// "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"`, which an admin cannot act on. Every other check keeps
// ajv's message (it already names the field and what it must be).
import { IMAGE_NAME_RE, IMAGE_NAME_RULE } from '../images/names';
import { agentRequestBody, imageSettings } from './schemas';

/** What a value matching each pattern looks like, by the pattern's source. */
const PATTERN_HINTS: ReadonlyMap<string, string> = new Map([
  [IMAGE_NAME_RE.source, `bad image name: ${IMAGE_NAME_RULE}`],
  [imageSettings.properties.slowPolicy.pattern, 'expected same-speed, tiers or disconnect:KBPS'],
  [agentRequestBody.properties.hostname.pattern, "use letters, digits, '.', '_' or '-'"],
  [agentRequestBody.properties.macs.items.pattern, 'expected a MAC address: six hex octets, e.g. 52:54:00:12:34:56'],
]);

interface AjvErrorLike {
  keyword?: string;
  instancePath?: string;
  params?: { pattern?: unknown };
}

/**
 * The 400 message for a failed schema check: `params/name: bad image name: use 1 to 64 letters...`
 * where a pattern has words, else fastify's own message.
 */
export function validationMessage(err: { message: string; validation?: unknown; validationContext?: string }): string {
  const first = Array.isArray(err.validation) ? (err.validation[0] as AjvErrorLike | undefined) : undefined;
  const pattern = first?.keyword === 'pattern' && typeof first.params?.pattern === 'string' ? first.params.pattern : undefined;
  const hint = pattern !== undefined ? PATTERN_HINTS.get(pattern) : undefined;
  if (hint === undefined) return err.message;
  return `${err.validationContext ?? 'request'}${first?.instancePath ?? ''}: ${hint}`;
}
