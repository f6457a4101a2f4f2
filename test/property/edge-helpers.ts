// Shared pieces of the edge property tests: JSON mutation and row counting.
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema';

type Json = unknown;

/** Every path (list of keys/indexes) into a JSON value, the root included. */
export function pathsOf(v: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

export type Mutation = { kind: 'replace'; value: Json } | { kind: 'delete' } | { kind: 'wrap' };

/** A copy of `v` with the value at `path` replaced, deleted, or wrapped in an array. */
export function mutate(v: Json, path: Array<string | number>, m: Mutation): Json {
  if (path.length === 0) return m.kind === 'replace' ? m.value : m.kind === 'wrap' ? [v] : undefined;
  const copy: any = Array.isArray(v) ? [...v] : { ...(v as object) };
  const [head, ...rest] = path;
  if (rest.length === 0 && m.kind === 'delete') {
    if (Array.isArray(copy)) copy.splice(head as number, 1);
    else delete copy[head];
    return copy;
  }
  copy[head] = mutate(copy[head], rest, m);
  return copy;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.constant({ kind: 'delete' as const }),
  fc.constant({ kind: 'wrap' as const }),
);

/** A valid payload with one random mutation somewhere in it. */
export function mutatedOf(valid: Json): fc.Arbitrary<Json> {
  const paths = pathsOf(valid);
  return fc.tuple(fc.integer({ min: 0, max: paths.length - 1 }), mutationArb).map(([i, m]) => mutate(valid, paths[i], m));
}

/** Bodies that are not JSON at all, or barely: junk bytes, truncations, odd encodings. */
export function junkBodyOf(validRaw: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.integer({ min: 0, max: validRaw.length }).map((n) => validRaw.slice(0, n)),
    fc.integer({ min: 0, max: validRaw.length - 1 }).chain((i) => fc.string({ maxLength: 3 }).map((s) => validRaw.slice(0, i) + s + validRaw.slice(i + 1))),
    fc.constantFrom('null', '[]', '{}', '""', '0', 'true', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
  );
}

export async function countRows(db: Kysely<Database>, table: 'webhook_events' | 'giosg_events' | 'outbox' | 'token_versions'): Promise<number> {
  const r = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
