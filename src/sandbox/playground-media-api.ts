// The playground's media endpoints (/playground/api/media): the customer sends the sample
// picture or PDF, the agent sends a file chosen in the page, and both panes fetch a file
// to show it (as a data: URL, which the CSP allows for images; the page may only connect
// to us). Inputs are checked here; the simulators do the rest.
import { threadId } from './playground-api';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { HttpError } from '../http/errors';
import { SimUnreachableError, type SimAnswer } from './sim-control-client';
import { DEMO } from './demo-tenant';
import { samplePdf, samplePng } from './sample-files';
import type { PlaygroundContext } from './playground-api';

/** What the agent pane may send: Meta's accepted types and a little more, so refusals can be tried too. */
const MAX_AGENT_FILE = 8 * 1024 * 1024;
/** Files shown inline; bigger ones get a name only. */
const MAX_SHOWN = 2 * 1024 * 1024;

const waId = z
  .string()
  .transform((v) => v.replace(/[\s()-]/g, '').replace(/^\+/, ''))
  .pipe(z.string().regex(/^\d{5,20}$/, 'expected a phone number of 5 to 20 digits'));
const customerMedia = z.object({
  from: waId,
  name: z.string().trim().min(1).max(100).optional(),
  kind: z.enum(['image', 'document']),
  caption: z.string().trim().min(1).max(1024).optional(),
});
const agentFile = z.object({
  threadId,
  text: z.string().trim().max(4096).default(''),
  fileName: z.string().trim().min(1).max(240),
  contentType: z.string().trim().min(3).max(200),
  dataBase64: z
    .string()
    .min(1)
    .refine((v) => Math.floor((v.length * 3) / 4) <= MAX_AGENT_FILE, { message: `file larger than ${MAX_AGENT_FILE / (1024 * 1024)} MB` }),
});
const id = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.join('.') || 'body';
  throw new HttpError(422, 'invalid_input', `${path}: ${issue.message}`, { path });
}

function ok(a: SimAnswer, what: string): Record<string, unknown> {
  if (a.status >= 200 && a.status < 300) return (a.body ?? {}) as Record<string, unknown>;
  if (a.status === 404) throw new HttpError(404, 'not_found', `${what}: not found`);
  throw new HttpError(502, 'simulator_refused', `${what}: HTTP ${a.status}`);
}

const dataUrl = (type: string, b64: unknown, size: number) => (typeof b64 === 'string' && size <= MAX_SHOWN ? `data:${type};base64,${b64}` : null);

export function playgroundMediaApi(ctx: PlaygroundContext): Router {
  const r = Router();
  r.use(express.json({ limit: '12mb' }));
  r.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  r.post('/customer', async (req: Request, res: Response) => {
    const b = parse(customerMedia, req.body);
    const file =
      b.kind === 'image'
        ? { mimeType: 'image/png', fileName: undefined, data: samplePng() }
        : { mimeType: 'application/pdf', fileName: 'order-confirmation.pdf', data: samplePdf('Order confirmation #1042 - Acme Oy') };
    const a = ok(
      await ctx.graph.post('/media/customer', { phoneNumberId: DEMO.phoneNumberId, from: b.from, name: b.name, kind: b.kind, mimeType: file.mimeType, fileName: file.fileName, caption: b.caption, dataBase64: file.data.toString('base64') }),
      'customer media',
    );
    res.json({ delivered: typeof a.status === 'number' && a.status >= 200 && a.status < 300, webhookStatus: a.status, messageId: a.messageId, mediaId: a.mediaId });
  });

  r.get('/phone/:id', async (req: Request<{ id: string }>, res: Response) => {
    const m = ok(await ctx.graph.get(`/media/${parse(id, req.params.id)}`), 'media');
    res.json({ mimeType: m.mimeType, fileName: m.filename, size: m.size, dataUrl: dataUrl(String(m.mimeType), m.dataBase64, Number(m.size)) });
  });

  r.get('/giosg/:id', async (req: Request<{ id: string }>, res: Response) => {
    const u = ok(await ctx.giosg.get(`/files/${parse(id, req.params.id)}`), 'upload');
    res.json({ contentType: u.contentType, fileName: u.fileName, size: u.size, dataUrl: dataUrl(String(u.contentType), u.dataBase64, Number(u.size)) });
  });

  r.post('/agent', async (req: Request, res: Response) => {
    const b = parse(agentFile, req.body);
    const a = ok(
      await ctx.giosg.post('/files/agent-reply', { channelId: DEMO.giosgUmiChannelId, threadId: b.threadId, text: b.text, attachments: [{ fileName: b.fileName, contentType: b.contentType, dataBase64: b.dataBase64 }] }),
      'agent file',
    );
    res.json({ delivered: typeof a.status === 'number' && a.status >= 200 && a.status < 300, webhookStatus: a.status });
  });

  r.use((err: unknown, _req: Request, _res: Response, next: (e?: unknown) => void) => {
    next(err instanceof SimUnreachableError ? new HttpError(502, 'simulator_unreachable', err.message) : err);
  });
  return r;
}
