// giosg outages and refusals, switched by setMode/failNext. Acts ahead of authentication
// so '401' can stand in for a revoked API token; /_sim is mounted before it.
import type { Request, Response, NextFunction } from 'express';
import type { GiosgState } from './giosg-state';

// Django REST framework wording, which giosg's API answers with.
const DETAIL: Record<number, string> = {
  400: 'Bad request.',
  401: 'Invalid token.',
  403: 'You do not have permission to perform this action.',
  404: 'Not found.',
  500: 'A server error occurred.',
  502: 'Bad gateway.',
  503: 'Service temporarily unavailable, try again later.',
};

export function answerStatus(res: Response, status: number, retryAfterSec: number): void {
  if (status === 429) {
    res.set('Retry-After', String(retryAfterSec));
    res.status(429).json({ detail: `Request was throttled. Expected available in ${retryAfterSec} seconds.` });
    return;
  }
  res.status(status).json({ detail: DETAIL[status] ?? 'Simulated failure.' });
}

/** After the route did its work, the answer is lost (see GiosgSim.loseNextAnswers). */
export function loseAnswers(state: GiosgState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const how = req.method === 'POST' ? state.takeLostAnswer() : undefined;
    if (how === undefined) return next();
    const json = res.json.bind(res);
    res.json = ((_body: unknown) => {
      if (how === 'drop') {
        req.socket.destroy();
        return res;
      }
      res.status(how);
      return json({ detail: DETAIL[how] ?? 'Simulated failure.' });
    }) as Response['json'];
    next();
  };
}

export function giosgFaults(state: GiosgState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const injected = state.takeFailure();
    if (injected !== undefined) return answerStatus(res, injected, state.retryAfterSec);
    switch (state.mode) {
      case 'down':
        req.socket.destroy(); // ECONNRESET on the client
        return;
      case '5xx':
        return answerStatus(res, 503, state.retryAfterSec);
      case '429':
        return answerStatus(res, 429, state.retryAfterSec);
      case '401':
        return answerStatus(res, 401, state.retryAfterSec);
      default:
        next();
    }
  };
}
