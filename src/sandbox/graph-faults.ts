// Failure modes of the whole Graph API, switched from tests and the playground. They act
// before routing, like an outage would; the /_sim control API is mounted ahead of this
// so the playground can always switch Meta back on.
import type { Request, Response, NextFunction } from 'express';
import { metaErrors } from './graph-errors';
import type { GraphState } from './graph-state';

export const DEFAULT_SLOW_MS = 2000;

export function graphFaults(state: GraphState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    switch (state.mode) {
      case 'down':
        req.socket.destroy(); // the client sees ECONNRESET / socket hang up
        return;
      case 'timeout':
        return; // parked until the client gives up or the simulator closes
      case '5xx': {
        const e = metaErrors.serverError();
        res.status(e.httpStatus).json(e.body);
        return;
      }
      case 'slow':
        setTimeout(next, state.latencyMs);
        return;
      default:
        next();
    }
  };
}
