// Prometheus series of the window feature, registered on the service's registry (one per
// service instance, so tests can build many).
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../../http/metrics';

export interface WindowMetrics {
  held: Gauge<'tenant'>;
  holds: Counter<'reason'>;
  released: Counter<'tenant'>;
  templates: Counter<'result'>;
}

export function windowMetrics(m: Metrics): WindowMetrics {
  const existing = m.registry.getSingleMetric('whatsapp_held_replies') as Gauge<'tenant'> | undefined;
  if (existing) {
    return {
      held: existing,
      holds: m.registry.getSingleMetric('whatsapp_replies_held_total') as Counter<'reason'>,
      released: m.registry.getSingleMetric('whatsapp_held_replies_released_total') as Counter<'tenant'>,
      templates: m.registry.getSingleMetric('whatsapp_reengagement_templates_total') as Counter<'result'>,
    };
  }
  return {
    held: new Gauge({ name: 'whatsapp_held_replies', help: 'Agent replies held because the customer service window is closed, per tenant', labelNames: ['tenant'], registers: [m.registry] }),
    holds: new Counter({ name: 'whatsapp_replies_held_total', help: 'Replies held, by reason (window_closed: decided here; meta_131047: Meta refused)', labelNames: ['reason'], registers: [m.registry] }),
    released: new Counter({ name: 'whatsapp_held_replies_released_total', help: 'Held replies moved to the outbox when the customer answered', labelNames: ['tenant'], registers: [m.registry] }),
    templates: new Counter({ name: 'whatsapp_reengagement_templates_total', help: 'Re-engagement template sends, by result (sent, no_template, or the error class)', labelNames: ['result'], registers: [m.registry] }),
  };
}
