import type { RequestHandler } from 'express';
import type { Metrics } from './metrics';

/** Labels by the matched route pattern, never the raw path: paths carry link ids and tenant ids. */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ route, status: String(res.statusCode) });
    });
    next();
  };
}
