import picomatch from 'picomatch';
import { DeployError } from './errors';
import { normalizeMac } from './mac';
import type { Collection, CollectionRule, Machine } from './model';

/**
 * Parses one rule as the CLI and the API spell it: `mac:M1,M2`, `mac-prefix:52:54:00`,
 * `name:GLOB`, `model:GLOB`, `unknown`.
 */
export function parseRule(text: string): CollectionRule {
  const t = text.trim();
  if (t === 'unknown') return { kind: 'unknown' };
  const colon = t.indexOf(':');
  const kind = colon < 0 ? t : t.slice(0, colon);
  const arg = colon < 0 ? '' : t.slice(colon + 1).trim();
  if (arg === '' && kind !== 'unknown') throw badRule(text, 'the rule has no value after its kind');
  switch (kind) {
    case 'mac':
      return { kind: 'mac', macs: arg.split(',').map((m) => normalizeMac(m)) };
    case 'mac-prefix':
      return { kind: 'mac-prefix', prefix: normalizePrefix(text, arg) };
    case 'name':
      return { kind: 'name', glob: arg };
    case 'model':
      return { kind: 'model', glob: arg };
    default:
      throw badRule(text, `unknown rule kind "${kind}"`);
  }
}

export function formatRule(rule: CollectionRule): string {
  switch (rule.kind) {
    case 'mac':
      return `mac:${rule.macs.join(',')}`;
    case 'mac-prefix':
      return `mac-prefix:${rule.prefix}`;
    case 'name':
    case 'model':
      return `${rule.kind}:${rule.glob}`;
    case 'unknown':
      return 'unknown';
  }
}

/** A prefix is 1 to 5 whole octets, so "52:54:0" (a half octet) is refused rather than guessed. */
function normalizePrefix(text: string, arg: string): string {
  const octets = arg.split(/[:-]/);
  if (octets.length < 1 || octets.length > 5 || !octets.every((o) => /^[0-9a-f]{2}$/i.test(o))) {
    throw badRule(text, 'a MAC prefix is 1 to 5 whole octets, e.g. 52:54:00');
  }
  return octets.join(':').toLowerCase();
}

function badRule(text: string, why: string): DeployError {
  return new DeployError('DP_BAD_RULE', `rule "${text}": ${why} (rules: mac:M[,M...], mac-prefix:OCTETS, name:GLOB, model:GLOB, unknown)`, { rule: text });
}

/**
 * Each rule's glob compiled once. decide() runs every collection's rules on every agent request,
 * and picomatch.isMatch compiles its glob again on each call; the store's targeting cache hands
 * out the same rule objects until a collection changes, so keyed by the rule object (a WeakMap:
 * a rule no longer cached takes its matcher with it) they compile once per change.
 */
const compiled = new WeakMap<object, picomatch.Matcher>();

/** Globs match case-insensitively: vendors and operators do not agree on "OptiPlex" vs "Optiplex". */
function globMatches(rule: { readonly glob: string }, value: string | null): boolean {
  if (value === null) return false;
  let matcher = compiled.get(rule);
  if (matcher === undefined) {
    matcher = picomatch(rule.glob, { nocase: true, dot: true });
    compiled.set(rule, matcher);
  }
  return matcher(value);
}

export function ruleMatches(rule: CollectionRule, machine: Machine): boolean {
  switch (rule.kind) {
    case 'mac':
      return machine.macs.some((m) => rule.macs.includes(m));
    case 'mac-prefix':
      return machine.macs.some((m) => m.startsWith(`${rule.prefix}:`));
    case 'name':
      return globMatches(rule, machine.name);
    case 'model':
      return globMatches(rule, machine.model);
    case 'unknown':
      return machine.state === 'unknown';
  }
}

/** A machine is in a collection when it is a static member or any one rule matches it. */
export function collectionContains(collection: Collection, machine: Machine): boolean {
  return collection.members.includes(machine.id) || collection.rules.some((r) => ruleMatches(r, machine));
}
