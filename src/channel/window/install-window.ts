// Builds the service-window feature for the channel: the gate in front of the outbox, the
// observer inside the webhook apply, the notices, and the held-replies gauge.
import type { Services } from '../../services';
import { WindowRepo } from '../../store/window-repo';
import { ReengagementRepo } from '../../store/reengagement-repo';
import { ReengagementTemplateRepo } from '../../store/reengagement-template-repo';
import { WindowGate } from './window-gate';
import { WindowObserver } from './window-observer';
import { WindowNotices } from './window-notice';
import { windowMetrics } from './window-metrics';

const GAUGE_REFRESH_MS = 1000;

export function buildWindow(s: Services) {
  const repo = new WindowRepo(s.store.db, s.store.engine);
  const templates = new ReengagementTemplateRepo(s.store.db);
  const notices = new WindowNotices(s);
  const metrics = windowMetrics(s.metrics);
  const gate = new WindowGate(s, repo, templates, notices, metrics);
  const observer = new WindowObserver(s, repo, notices, metrics, new ReengagementRepo(s.store.db));
  const known = new Set<string>();
  let lastGauge = 0;
  /** Refreshes the held-replies gauge at most once a second (called from a loop's tick). */
  const refreshGauge = async (force = false): Promise<void> => {
    const now = Date.now();
    if (!force && now - lastGauge < GAUGE_REFRESH_MS) return;
    lastGauge = now;
    const held = await repo.heldByTenant();
    for (const id of held.keys()) known.add(id);
    for (const id of known) metrics.held.set({ tenant: id }, held.get(id) ?? 0);
  };
  return { repo, templates, notices, metrics, gate, observer, refreshGauge };
}
export type WindowFeature = ReturnType<typeof buildWindow>;
