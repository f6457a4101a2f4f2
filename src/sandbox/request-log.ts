// Records API traffic for test assertions. Only method and path: query strings may carry
// access tokens (access_token=, input_token=) and must not end up in a list tests print.
import type { Request, Response, NextFunction } from 'express';

export interface LoggedRequest {
  method: string;
  path: string;
  at: number;
}

export function requestLog(into: () => LoggedRequest[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.path.startsWith('/_sim/')) into().push({ method: req.method, path: req.path, at: Date.now() });
    next();
  };
}
