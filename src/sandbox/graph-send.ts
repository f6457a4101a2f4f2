// POST /:version/:phoneNumberId/messages — the outbox's only call. Checks run in Meta's
// order (token, proof, object, asset access, scope, body, throughput) so each injected
// condition produces the error the real API would give first.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { metaErrors, type MetaError } from './graph-errors';
import { authenticate, type AuthConfig } from './graph-auth';
import { newWamid } from './graph-envelopes';
import { tokenFingerprint } from './fingerprint';
import type { GraphState } from './graph-state';
import type { SentMessage } from './graph-types';
import { windowClosed, windowClosedError } from './graph-templates';

export const MAX_TEXT_BODY = 4096;

const sendBody = z.object({
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.literal('individual').optional(),
  to: z.string().regex(/^\+?[0-9][0-9 ()-]{3,30}$/),
  type: z.literal('text').optional(), // Meta defaults to text; the simulator only speaks text
  text: z.object({ body: z.string().min(1).max(MAX_TEXT_BODY), preview_url: z.boolean().optional() }),
});

// Meta names nested params like text['body'].
const paramName = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (i === 0 ? String(p) : `['${String(p)}']`)).join('');

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = obj;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

function toMetaError(body: unknown, issue: z.core.$ZodIssue): MetaError {
  const name = paramName(issue.path);
  if (valueAt(body, issue.path) === undefined) {
    return metaErrors.invalidParam(`(#100) The parameter ${name} is required.`);
  }
  if (issue.code === 'too_big') {
    return metaErrors.invalidParam(
      '(#100) Invalid parameter',
      `Param ${name} must be at most ${String(issue.maximum)} characters long.`,
    );
  }
  return metaErrors.invalidParam('(#100) Invalid parameter', `Param ${name} is invalid.`);
}

export function sendHandler(state: GraphState, cfg: AuthConfig, onAccepted: (m: SentMessage) => void) {
  return (req: Request, res: Response): void => {
    const fail = (e: MetaError): void => void res.status(e.httpStatus).json(e.body);
    const injected = state.takeFailure();
    if (injected) return fail(metaErrors.custom(injected));

    const id = String(req.params.phoneNumberId);
    const auth = authenticate(req, state, cfg);
    if (!auth.ok) return fail(auth.error);
    if (!state.phones.has(id)) return fail(metaErrors.unknownObject(id, 'POST'));
    if (auth.token.phoneAccess && !auth.token.phoneAccess.includes(id)) return fail(metaErrors.permission());
    if (!auth.token.scopes.includes('whatsapp_business_messaging')) return fail(metaErrors.scope());

    const parsed = sendBody.safeParse(req.body ?? {});
    if (!parsed.success) return fail(toMetaError(req.body, parsed.error.issues[0]));
    if (windowClosed(state, parsed.data.to)) return fail(windowClosedError());
    if (state.overThrottle()) return fail(metaErrors.throttled());

    const msg: SentMessage = {
      id: newWamid(),
      phoneNumberId: id,
      to: parsed.data.to,
      body: parsed.data.text.body,
      tokenFingerprint: tokenFingerprint(auth.token.token),
      at: Date.now(),
    };
    state.noteSend(msg.at);
    state.sent.push(msg);
    const waId = parsed.data.to.replace(/\D/g, '');
    res.json({
      messaging_product: 'whatsapp',
      contacts: [{ input: parsed.data.to, wa_id: waId }],
      messages: [{ id: msg.id }],
    });
    onAccepted(msg);
  };
}
