// GET /:version/debug_token — what the vault's validation pipeline asks first. Answers in
// Meta's shape, including the is_valid:false answers that come back with HTTP 200.
import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { metaErrors, expiredMessage, INVALIDATED_MESSAGE } from './graph-errors';
import { param } from './graph-auth';
import { WHATSAPP_SCOPES, type GraphState, type StoredToken } from './graph-state';

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function describe(t: StoredToken, state: GraphState): Record<string, unknown> {
  const data: Record<string, unknown> = {
    app_id: t.appId,
    type: t.type,
    application: t.appId === state.appId ? 'WhatsApp Sandbox App' : 'Another App',
    data_access_expires_at: 0,
    expires_at: t.expiresAt,
    is_valid: state.status(t.token) === 'ok',
    issued_at: t.issuedAt,
    scopes: [...t.scopes],
    granular_scopes: t.scopes.map((scope) =>
      t.targetIds && WHATSAPP_SCOPES.includes(scope) ? { scope, target_ids: [...t.targetIds] } : { scope },
    ),
    user_id: t.userId,
  };
  const status = state.status(t.token);
  if (status === 'expired') data.error = { code: 190, message: expiredMessage(t.expiresAt), subcode: 463 };
  if (status === 'invalid') data.error = { code: 190, message: INVALIDATED_MESSAGE, subcode: 467 };
  // Only an OAuth failure makes the token itself invalid; others (permissions, the proof)
  // show up when the token is used.
  if (status === 'ok' && t.failure?.code === 190) {
    data.is_valid = false;
    data.error = { code: 190, message: t.failure.message, ...(t.failure.subcode !== undefined ? { subcode: t.failure.subcode } : {}) };
  }
  return data;
}

export function debugTokenHandler(state: GraphState, appSecret: string) {
  return (req: Request, res: Response): void => {
    const appToken = param(req, 'access_token') ?? '';
    if (!sameString(appToken, `${state.appId}|${appSecret}`)) {
      const e = metaErrors.badAppToken();
      res.status(e.httpStatus).json(e.body);
      return;
    }
    const input = param(req, 'input_token');
    if (!input) {
      const e = metaErrors.invalidParam('(#100) The parameter input_token is required');
      res.status(e.httpStatus).json(e.body);
      return;
    }
    const t = state.tokens.get(input);
    if (!t) {
      res.json({ data: { is_valid: false, error: { code: 190, message: 'Invalid OAuth access token.' }, scopes: [] } });
      return;
    }
    res.json({ data: describe(t, state) });
  };
}
