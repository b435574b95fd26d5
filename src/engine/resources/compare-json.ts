/**
 * Comparing what AWS holds with what a deploy would write, so an unchanged stack gets no write. Values are
 * compared as data: key order and whitespace are not differences, array order is.
 */

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

export function sameData(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * IAM returns policy documents URL-encoded (RFC 3986: `%7B%22Version…`); some emulators return them decoded. A
 * decoded document starts with `{` (and may hold a literal `%`, so it must not be decoded again). Undefined when
 * it is not JSON either way: the caller then writes the policy, which is safe.
 */
export function parsePolicyDocument(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  try {
    return JSON.parse(trimmed.startsWith('{') ? trimmed : decodeURIComponent(trimmed)) as unknown;
  } catch {
    return undefined;
  }
}

/** Is the policy AWS holds (as GetRolePolicy returns it) the one we would put? */
export function samePolicyDocument(held: string | undefined, wanted: string): boolean {
  const parsed = parsePolicyDocument(held);
  return parsed !== undefined && sameData(parsed, JSON.parse(wanted) as unknown);
}

/** Does `held` carry every wanted tag with the wanted value? Other tags (a user's) are not ours to judge. */
export function hasTags(held: readonly { Key?: string; Value?: string }[] | undefined, wanted: readonly { Key: string; Value: string }[]): boolean {
  return wanted.every((tag) => held?.some((h) => h.Key === tag.Key && h.Value === tag.Value) ?? false);
}
