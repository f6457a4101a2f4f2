// POST /:version/:phoneNumberId/messages with `status: "read"`: the business marks a customer
// message read, optionally with a typing indicator (Meta: the indicator shows until the next
// message or for 25 s). Meta answers {"success": true}; a message id it does not know is a
// (#100) invalid parameter. The simulator records each mark for tests and the playground.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { metaErrors, type MetaError } from './graph-errors';
import { authorizeMessaging, type AuthConfig } from './graph-auth';
import { tokenFingerprint } from './fingerprint';
import type { GraphState } from './graph-state';

const readBody = z.object({
  messaging_product: z.literal('whatsapp'),
  status: z.literal('read'),
  message_id: z.string().min(1).max(200),
  typing_indicator: z.object({ type: z.literal('text') }).optional(),
});

export interface ReadMark {
  phoneNumberId: string;
  messageId: string;
  typing: boolean;
  tokenFingerprint: string;
  at: number;
}

export const isReadRequest = (body: unknown): boolean => (body as { status?: unknown } | undefined)?.status === 'read';

export function readHandler(state: GraphState, cfg: AuthConfig) {
  return (req: Request, res: Response): void => {
    const fail = (e: MetaError): void => void res.status(e.httpStatus).json(e.body);
    // failNext() is about sends: a read mark does not use up a failure a test set for the reply.
    const auth = authorizeMessaging(req, state, cfg);
    if (!auth.ok) return fail(auth.error);
    const id = auth.phoneId;
    const parsed = readBody.safeParse(req.body ?? {});
    if (!parsed.success) return fail(metaErrors.invalidParam('(#100) Invalid parameter', `Param ${parsed.error.issues[0].path.join('.') || 'body'} is invalid.`));
    if (!state.customerMessageIds.has(parsed.data.message_id)) return fail(metaErrors.invalidParam('(#100) Invalid parameter', 'Param message_id is not a message this number received.'));
    state.readMarks.push({ phoneNumberId: id, messageId: parsed.data.message_id, typing: parsed.data.typing_indicator !== undefined, tokenFingerprint: tokenFingerprint(auth.token.token), at: Date.now() });
    res.json({ success: true });
  };
}
