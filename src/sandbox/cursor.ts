// Polling cursor for the playground. Lists are append-only, so "how many items have I
// seen" is a gap-free cursor where timestamps are not (several items share a millisecond).
export interface Page<T> {
  items: T[];
  next: number;
}

export function pageSince<T>(list: readonly T[], since: unknown): Page<T> {
  const n = Number(since);
  let from = Number.isInteger(n) && n > 0 ? n : 0;
  // A reset() shrank the list under the poller: start over rather than show nothing forever.
  if (from > list.length) from = 0;
  return { items: list.slice(from), next: list.length };
}
