// Shared helpers for the giosg App onboarding tests: a harness that is a giosg App, and
// the claims giosg's own example app reads from a trigger's data JWT.
import { startHarness, TEST_APP, type Harness, type HarnessOptions } from '../../testkit/harness';

export { TEST_APP };

export function startAppHarness(o: HarnessOptions = {}): Promise<Harness> {
  return startHarness({ ...o, config: { giosgApp: TEST_APP, ...o.config } });
}

/** The tables a rejected trigger must leave untouched. */
export async function onboardingRows(h: Harness): Promise<{ tenants: number; installs: number; triggers: number }> {
  const db = h.services.store.db;
  const count = async (t: 'tenants' | 'giosg_app_installs' | 'giosg_app_triggers') =>
    Number((await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { tenants: await count('tenants'), installs: await count('giosg_app_installs'), triggers: await count('giosg_app_triggers') };
}
