// Who is calling the Graph simulator: the access token (Bearer header or access_token
// parameter) and, when present or required, its appsecret_proof. Answers with the same
// errors Meta gives, in the same order: token first, then proof.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { metaErrors, type MetaError } from './graph-errors';
import type { GraphState, StoredToken } from './graph-state';

export function param(req: Request, name: string): string | undefined {
  const fromQuery = (req.query as Record<string, unknown>)[name];
  const v = Array.isArray(fromQuery) ? fromQuery[0] : fromQuery;
  if (typeof v === 'string') return v;
  const fromBody = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof fromBody === 'string' ? fromBody : undefined;
}

function bearer(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m?.[1];
}

export function appSecretProof(token: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(token, 'utf8').digest('hex');
}

function proofMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface AuthConfig {
  appSecret: string;
  requireAppSecretProof: boolean;
}

export function authenticate(
  req: Request,
  state: GraphState,
  cfg: AuthConfig,
): { ok: true; token: StoredToken } | { ok: false; error: MetaError } {
  const raw = bearer(req) ?? param(req, 'access_token');
  if (!raw) return { ok: false, error: metaErrors.missingToken() };
  const status = state.status(raw);
  const stored = state.tokens.get(raw);
  if (status === 'unknown' || !stored) return { ok: false, error: metaErrors.unknownToken() };
  if (status === 'invalid') return { ok: false, error: metaErrors.invalidated() };
  if (status === 'expired') return { ok: false, error: metaErrors.expired(stored.expiresAt) };
  if (stored.failure) return { ok: false, error: metaErrors.custom(stored.failure) };

  // Meta checks a proof whenever one is sent, and demands one when the app requires it.
  const proof = param(req, 'appsecret_proof');
  if (proof === undefined) {
    if (cfg.requireAppSecretProof) return { ok: false, error: metaErrors.proofMissing() };
  } else if (!proofMatches(proof, appSecretProof(raw, cfg.appSecret))) {
    return { ok: false, error: metaErrors.proofWrong() };
  }
  return { ok: true, token: stored };
}

/**
 * What every POST /{phone-number-id}/messages checks before its body, in Meta's order:
 * the token, the number exists, the token may use it, the messaging scope.
 */
export function authorizeMessaging(
  req: Request,
  state: GraphState,
  cfg: AuthConfig,
): { ok: true; token: StoredToken; phoneId: string } | { ok: false; error: MetaError } {
  const phoneId = String(req.params.phoneNumberId);
  const auth = authenticate(req, state, cfg);
  if (!auth.ok) return auth;
  if (!state.phones.has(phoneId)) return { ok: false, error: metaErrors.unknownObject(phoneId, 'POST') };
  if (auth.token.phoneAccess && !auth.token.phoneAccess.includes(phoneId)) return { ok: false, error: metaErrors.permission() };
  if (!auth.token.scopes.includes('whatsapp_business_messaging')) return { ok: false, error: metaErrors.scope() };
  return { ok: true, token: auth.token, phoneId };
}
