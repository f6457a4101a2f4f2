// GET /:version/:phoneNumberId — the probe the validation pipeline runs with the new token
// itself. Error 200 here is how Meta says the system user was never given the WABA.
import type { Request, Response } from 'express';
import { metaErrors } from './graph-errors';
import { authenticate, param, type AuthConfig } from './graph-auth';
import type { GraphState } from './graph-state';
import type { SimPhone } from './graph-types';

const DEFAULT_FIELDS = [
  'verified_name',
  'code_verification_status',
  'display_phone_number',
  'quality_rating',
  'platform_type',
  'throughput',
];

export function phoneNode(p: SimPhone): Record<string, unknown> {
  const h = p.health ?? {};
  return {
    verified_name: p.verifiedName,
    display_phone_number: p.displayPhoneNumber,
    status: h.status ?? 'CONNECTED',
    code_verification_status: h.codeVerificationStatus ?? 'VERIFIED',
    quality_rating: h.qualityRating ?? 'GREEN',
    platform_type: h.platformType ?? 'CLOUD_API',
    throughput: { level: 'STANDARD' },
    name_status: h.nameStatus ?? 'APPROVED',
    messaging_limit_tier: 'TIER_1K',
  };
}

export function phoneHandler(state: GraphState, cfg: AuthConfig) {
  return (req: Request, res: Response): void => {
    const id = String(req.params.phoneNumberId);
    const auth = authenticate(req, state, cfg);
    if (!auth.ok) {
      res.status(auth.error.httpStatus).json(auth.error.body);
      return;
    }
    const phone = state.phones.get(id);
    if (!phone) {
      const e = metaErrors.unknownObject(id, 'GET');
      res.status(e.httpStatus).json(e.body);
      return;
    }
    if (auth.token.phoneAccess && !auth.token.phoneAccess.includes(id)) {
      const e = metaErrors.permission();
      res.status(e.httpStatus).json(e.body);
      return;
    }
    const all = phoneNode(phone);
    const fields = param(req, 'fields')?.split(',').map((f) => f.trim()).filter(Boolean) ?? DEFAULT_FIELDS;
    const answer: Record<string, unknown> = {};
    for (const f of fields) {
      if (f === 'id') continue;
      if (!(f in all)) {
        const e = metaErrors.unknownField(f);
        res.status(e.httpStatus).json(e.body);
        return;
      }
      answer[f] = all[f];
    }
    answer.id = phone.id;
    res.json(answer);
  };
}
