// WABA edges of the Graph simulator: GET/POST /{waba-id}/subscribed_apps (which apps get the
// account's webhooks; Meta answers {data:[{whatsapp_business_api_data:{id, link, name}}]}
// and {success:true}) and GET /{waba-id}/phone_numbers (the account's numbers). A token
// whose granular scopes name other WABAs gets Meta's permission error (200).
import type { Request, Response } from 'express';
import { metaErrors } from './graph-errors';
import { authenticate, type AuthConfig } from './graph-auth';
import type { GraphState, StoredToken } from './graph-state';
import { phoneNode } from './graph-phone';

function wabaOf(req: Request, res: Response, state: GraphState, cfg: AuthConfig): { wabaId: string; token: StoredToken } | null {
  const wabaId = String(req.params.wabaId);
  const auth = authenticate(req, state, cfg);
  if (!auth.ok) {
    res.status(auth.error.httpStatus).json(auth.error.body);
    return null;
  }
  if (!state.wabaExists(wabaId)) {
    const e = metaErrors.unknownObject(wabaId, req.method);
    res.status(e.httpStatus).json(e.body);
    return null;
  }
  if (auth.token.targetIds && !auth.token.targetIds.includes(wabaId)) {
    const e = metaErrors.permission();
    res.status(e.httpStatus).json(e.body);
    return null;
  }
  return { wabaId, token: auth.token };
}

export function subscribedAppsHandlers(state: GraphState, cfg: AuthConfig, appName: string) {
  return {
    list(req: Request, res: Response): void {
      const w = wabaOf(req, res, state, cfg);
      if (!w) return;
      const ids = [...(state.subscriptions.get(w.wabaId) ?? [])];
      res.json({ data: ids.map((id) => ({ whatsapp_business_api_data: { id, link: `https://www.facebook.com/games/?app_id=${id}`, name: id === state.appId ? appName : `App ${id}` } })) });
    },
    subscribe(req: Request, res: Response): void {
      const w = wabaOf(req, res, state, cfg);
      if (!w) return;
      if (state.refuseSubscribe) {
        const e = metaErrors.permission();
        res.status(e.httpStatus).json(e.body);
        return;
      }
      const set = state.subscriptions.get(w.wabaId) ?? new Set<string>();
      set.add(w.token.appId);
      state.subscriptions.set(w.wabaId, set);
      res.json({ success: true });
    },
    phoneNumbers(req: Request, res: Response): void {
      const w = wabaOf(req, res, state, cfg);
      if (!w) return;
      const data = [...state.phones.values()].filter((p) => p.wabaId === w.wabaId).map((p) => ({ id: p.id, ...phoneNode(p) }));
      res.json({ data, paging: { cursors: { before: 'QVFI', after: 'QVFI' } } });
    },
  };
}
