// POST /:version/:phoneNumberId/messages — the outbox's only call. Checks run in Meta's
// order (token, proof, object, asset access, scope, body, throughput) so each injected
// condition produces the error the real API would give first.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { metaErrors, type MetaError } from './graph-errors';
import { authorizeMessaging, type AuthConfig } from './graph-auth';
import { newWamid } from './graph-envelopes';
import { tokenFingerprint } from './fingerprint';
import type { GraphState } from './graph-state';
import type { SentMessage } from './graph-types';
import { windowClosed, windowClosedError } from './graph-templates';

export const MAX_TEXT_BODY = 4096;

const PHONE = /^\+?[0-9][0-9 ()-]{3,30}$/;
/** A business-scoped user id (BSUID), Meta's `recipient` for a customer with no phone number shared. */
export const SIM_BSUID = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;

const sendBody = z
  .object({
    messaging_product: z.literal('whatsapp'),
    recipient_type: z.literal('individual').optional(),
    to: z.string().regex(PHONE).optional(),
    recipient: z.string().regex(SIM_BSUID).optional(),
    type: z.literal('text').optional(), // Meta defaults to text; the simulator only speaks text
    text: z.object({ body: z.string().min(1).max(MAX_TEXT_BODY), preview_url: z.boolean().optional() }),
  })
  // Meta: `to` (phone) or `recipient` (BSUID); with both, `to` wins.
  .refine((b) => b.to !== undefined || b.recipient !== undefined, { path: ['to'], message: 'required' });

/** Meta's answer names the customer the way the send did: wa_id for a phone, user_id for a BSUID. */
export function sentContact(to: string | undefined, recipient: string | undefined): Record<string, string> {
  return to !== undefined ? { input: to, wa_id: to.replace(/\D/g, '') } : { input: recipient ?? '', user_id: recipient ?? '' };
}

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

    const auth = authorizeMessaging(req, state, cfg);
    if (!auth.ok) return fail(auth.error);
    const id = auth.phoneId;

    const parsed = sendBody.safeParse(req.body ?? {});
    if (!parsed.success) return fail(toMetaError(req.body, parsed.error.issues[0]));
    if (windowClosed(state, parsed.data.to ?? parsed.data.recipient ?? '')) return fail(windowClosedError());
    if (state.overThrottle()) return fail(metaErrors.throttled());

    const msg: SentMessage = {
      id: newWamid(),
      phoneNumberId: id,
      to: parsed.data.to ?? parsed.data.recipient ?? '',
      ...(parsed.data.to === undefined ? { recipient: parsed.data.recipient } : {}),
      body: parsed.data.text.body,
      tokenFingerprint: tokenFingerprint(auth.token.token),
      at: Date.now(),
    };
    state.noteSend(msg.at);
    state.sent.push(msg);
    res.json({
      messaging_product: 'whatsapp',
      contacts: [sentContact(parsed.data.to, parsed.data.recipient)],
      messages: [{ id: msg.id }],
    });
    onAccepted(msg);
  };
}
