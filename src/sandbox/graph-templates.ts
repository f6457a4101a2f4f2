// Message templates in the Graph simulator: a WABA's catalog (approved, rejected, paused and
// disabled ones, in Meta's listing shape, paginated with cursors), template sends checked
// the way Meta refuses them (132001 missing or not approved in that language, 132000 wrong
// parameter count, 132015 paused, 132016 disabled), and the 24-hour window Meta enforces on
// free-form messages (131047), with a control to age a customer's conversation.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { metaErrors, type MetaError } from './graph-errors';
import { authenticate, authorizeMessaging, type AuthConfig } from './graph-auth';
import { newWamid } from './graph-envelopes';
import { tokenFingerprint } from './fingerprint';
import type { GraphState } from './graph-state';
import type { SentMessage } from './graph-types';
import { sentContact } from './graph-send';

/** Meta's BSUID shape (as in graph-send.ts; repeated so the two modules need not load in a set order). */
const SIM_BSUID = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;

export type SimTemplateStatus = 'APPROVED' | 'REJECTED' | 'PENDING' | 'PAUSED' | 'DISABLED';

export interface SimTemplate {
  id: string;
  wabaId: string;
  name: string;
  language: string;
  status: SimTemplateStatus;
  category: 'UTILITY' | 'MARKETING' | 'AUTHENTICATION';
  /** The BODY text with {{1}}, {{2}}… placeholders. */
  body: string;
}

export const WINDOW_MS = 24 * 3_600_000;

/** A demo catalog: what a desk typically has after a few months. */
export function defaultTemplates(wabaId: string): SimTemplate[] {
  let n = 0;
  const t = (name: string, language: string, status: SimTemplateStatus, body: string, category: SimTemplate['category'] = 'UTILITY'): SimTemplate => ({
    id: String(900000000000000 + ++n),
    wabaId,
    name,
    language,
    status,
    category,
    body,
  });
  return [
    t('reopen_conversation', 'en', 'APPROVED', 'Hello {{1}}, we have an answer to your question. Reply to this message to read it.'),
    t('reopen_conversation', 'fi', 'APPROVED', 'Hei {{1}}, meillä on vastaus kysymykseesi. Vastaa tähän viestiin lukeaksesi sen.'),
    t('reopen_conversation', 'sv', 'APPROVED', 'Hej {{1}}, vi har ett svar på din fråga. Svara på det här meddelandet för att läsa det.'),
    t('answer_waiting', 'en_US', 'APPROVED', 'Hi {{1}}! Our agent replied: "{{2}}" Reply to continue the conversation.'),
    t('spring_sale', 'en', 'REJECTED', 'Big spring sale! {{1}} off everything.', 'MARKETING'),
    t('old_followup', 'en', 'PAUSED', 'Hello {{1}}, following up on your case.'),
    t('legacy_notice', 'en', 'DISABLED', 'Notice: {{1}}'),
    t('new_welcome', 'en', 'PENDING', 'Welcome {{1}}!'),
  ];
}

export const placeholderCount = (body: string): number => new Set([...body.matchAll(/\{\{\s*(\d+)\s*\}\}/g)].map((m) => m[1])).size;

const templateBody = z.object({
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.literal('individual').optional(),
  to: z.string().regex(/^\+?[0-9][0-9 ()-]{3,30}$/).optional(),
  recipient: z.string().regex(SIM_BSUID).optional(),
  type: z.literal('template'),
  template: z.object({
    name: z.string().min(1),
    language: z.object({ code: z.string().min(2) }),
    components: z
      .array(z.object({ type: z.string(), parameters: z.array(z.object({ type: z.literal('text'), text: z.string().min(1) })).optional() }))
      .optional(),
  }),
});

/** Meta's template refusals: `(#code) title`, and error_data.details saying which template and why. */
function templateError(code: number, title: string, details: string): MetaError {
  const e = metaErrors.custom({ httpStatus: 400, code, message: `(#${code}) ${title}`, type: 'OAuthException' });
  if (e.body.error.error_data) e.body.error.error_data.details = details;
  return e;
}

/** How the simulator remembers a customer: a phone number by its digits, a BSUID as it is. */
export const customerKey = (id: string): string => (SIM_BSUID.test(id) ? id : id.replace(/\D/g, ''));

/** Meta's refusal of a free-form message outside the customer's window. */
export function windowClosedError(): MetaError {
  return templateError(131047, 'Re-engagement message', 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.');
}

/** True when Meta would refuse a free-form message to this customer now (the simulator saw them write, and not within 24 h). */
export function windowClosed(state: GraphState, to: string): boolean {
  const last = state.lastInbound.get(customerKey(to));
  return last !== undefined && Date.now() - last >= WINDOW_MS;
}

export function templateSendHandler(state: GraphState, cfg: AuthConfig, onAccepted: (m: SentMessage) => void) {
  return (req: Request, res: Response): void => {
    const fail = (e: MetaError): void => void res.status(e.httpStatus).json(e.body);
    const injected = state.takeFailure();
    if (injected) return fail(metaErrors.custom(injected));
    const auth = authorizeMessaging(req, state, cfg);
    if (!auth.ok) return fail(auth.error);
    const phoneId = auth.phoneId;
    const phone = state.phones.get(phoneId)!;
    const parsed = templateBody.safeParse(req.body ?? {});
    if (!parsed.success) return fail(metaErrors.invalidParam('(#100) Invalid parameter', `Param ${parsed.error.issues[0].path.join('.') || 'body'} is invalid.`));
    const b = parsed.data;
    const to = b.to ?? b.recipient;
    if (to === undefined) return fail(metaErrors.invalidParam('(#100) The parameter to is required.'));
    const tpl = state.templates.find((t) => t.wabaId === phone.wabaId && t.name === b.template.name && t.language === b.template.language.code);
    if (!tpl || tpl.status === 'REJECTED' || tpl.status === 'PENDING') {
      return fail(templateError(132001, 'Template name does not exist in the translation', `template name (${b.template.name}) does not exist in ${b.template.language.code}`));
    }
    if (tpl.status === 'PAUSED') return fail(templateError(132015, 'Template is Paused', `Template ${tpl.name} is paused due to low quality.`));
    if (tpl.status === 'DISABLED') return fail(templateError(132016, 'Template is Disabled', `Template ${tpl.name} has been disabled.`));
    const params = (b.template.components ?? []).filter((c) => c.type.toLowerCase() === 'body').flatMap((c) => c.parameters ?? []).map((p) => p.text);
    const expected = placeholderCount(tpl.body);
    if (params.length !== expected) {
      return fail(templateError(132000, 'Number of parameters does not match the expected number of params', `body: number of localizable_params (${params.length}) does not match the expected number of params (${expected})`));
    }
    const text = tpl.body.replace(/\{\{\s*(\d+)\s*\}\}/g, (_m, i: string) => params[Number(i) - 1] ?? '');
    const msg: SentMessage = {
      id: newWamid(),
      phoneNumberId: phoneId,
      to,
      ...(b.to === undefined ? { recipient: b.recipient } : {}),
      body: text,
      tokenFingerprint: tokenFingerprint(auth.token.token),
      at: Date.now(),
      template: { name: tpl.name, language: tpl.language, params },
    };
    state.noteSend(msg.at);
    state.sent.push(msg);
    res.json({ messaging_product: 'whatsapp', contacts: [sentContact(b.to, b.recipient)], messages: [{ id: msg.id, message_status: 'accepted' }] });
    onAccepted(msg);
  };
}

/** GET /:version/:wabaId/message_templates — Meta's listing, `limit` per page (default 25), `after` cursor. */
export function templateListHandler(state: GraphState, cfg: AuthConfig) {
  return (req: Request, res: Response): void => {
    const fail = (e: MetaError): void => void res.status(e.httpStatus).json(e.body);
    const auth = authenticate(req, state, cfg);
    if (!auth.ok) return fail(auth.error);
    const wabaId = String(req.params.wabaId);
    if (![...state.phones.values()].some((p) => p.wabaId === wabaId)) return fail(metaErrors.unknownObject(wabaId, 'GET'));
    if (!auth.token.scopes.includes('whatsapp_business_management')) return fail(metaErrors.scope());
    if (auth.token.targetIds && !auth.token.targetIds.includes(wabaId)) return fail(metaErrors.permission());
    const limit = Math.min(Math.max(Number(req.query.limit ?? 25) || 25, 1), 100);
    const from = typeof req.query.after === 'string' ? Number(Buffer.from(req.query.after, 'base64url').toString()) || 0 : 0;
    const all = state.templates.filter((t) => t.wabaId === wabaId);
    const page = all.slice(from, from + limit);
    const cursor = (i: number) => Buffer.from(String(i)).toString('base64url');
    const more = from + limit < all.length;
    res.json({
      data: page.map((t) => ({ name: t.name, language: t.language, status: t.status, category: t.category, id: t.id, components: [{ type: 'BODY', text: t.body }] })),
      paging: {
        cursors: { before: cursor(from), after: cursor(from + page.length) },
        ...(more ? { next: `${req.protocol}://${req.get('host')}${req.baseUrl}${req.path}?limit=${limit}&after=${cursor(from + page.length)}` } : {}),
      },
    });
  };
}
