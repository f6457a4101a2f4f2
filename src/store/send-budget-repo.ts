// SQL for the per-number send budget that all instances share (0004_scale_send_budget).
// One row per phone number and one-second window counts the sends granted in it; a take
// is one upsert that grants at most what is left, so concurrent instances together never
// exceed the limit in a window. On PostgreSQL the window comes from the database clock, so
// instances with skewed clocks still agree on which second it is.
import { Kysely, sql } from 'kysely';
import type { Database } from './schema';
import type { Engine } from './db';

export interface BudgetGrant {
  /** Sends this caller may make in the current window (0 when the window is spent). */
  granted: number;
  /** Milliseconds until the window ends (and unused grants lapse). */
  windowEndsInMs: number;
}

const WINDOW_MS = 1000;

export class SendBudgetRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  /** Takes up to `want` sends from this second's budget of `limit` for the number. */
  async take(phoneNumberId: string, want: number, limit: number, localNow: number = Date.now()): Promise<BudgetGrant> {
    const ask = Math.max(0, Math.min(Math.floor(want), limit));
    if (this.engine === 'postgres') {
      const r = await sql<{ last_grant: number; window_start: number; now_ms: number }>`
        with w as (select (extract(epoch from clock_timestamp()) * 1000)::bigint as ms)
        insert into send_budget as b (phone_number_id, window_start, used, last_grant)
        select ${phoneNumberId}, (w.ms / ${WINDOW_MS}) * ${WINDOW_MS}, ${ask}::int, ${ask}::int from w
        on conflict (phone_number_id, window_start) do update
          set used = b.used + greatest(0, least(excluded.used, ${limit}::int - b.used)),
              last_grant = greatest(0, least(excluded.used, ${limit}::int - b.used))
        returning b.last_grant, b.window_start, (select ms from w) as now_ms`.execute(this.db);
      const row = r.rows[0];
      return { granted: Number(row.last_grant), windowEndsInMs: Math.max(1, Number(row.window_start) + WINDOW_MS - Number(row.now_ms)) };
    }
    const windowStart = Math.floor(localNow / WINDOW_MS) * WINDOW_MS;
    const r = await sql<{ last_grant: number }>`
      insert into send_budget (phone_number_id, window_start, used, last_grant)
      values (${phoneNumberId}, ${windowStart}, ${ask}, ${ask})
      on conflict (phone_number_id, window_start) do update
        set used = send_budget.used + max(0, min(excluded.used, ${limit} - send_budget.used)),
            last_grant = max(0, min(excluded.used, ${limit} - send_budget.used))
      returning last_grant`.execute(this.db);
    return { granted: Number(r.rows[0].last_grant), windowEndsInMs: Math.max(1, windowStart + WINDOW_MS - localNow) };
  }

  /** Sends counted in each window of the number (oldest first): what the limit is proven against. */
  async windows(phoneNumberId: string): Promise<Array<{ windowStart: number; used: number }>> {
    const rows = await this.db
      .selectFrom('send_budget')
      .select(['window_start', 'used'])
      .where('phone_number_id', '=', phoneNumberId)
      .orderBy('window_start')
      .execute();
    return rows.map((r) => ({ windowStart: Number(r.window_start), used: Number(r.used) }));
  }

  /** Old windows only matter to nobody; keep the table small. */
  async prune(before: number): Promise<number> {
    const res = await this.db.deleteFrom('send_budget').where('window_start', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
