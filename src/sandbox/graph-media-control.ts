// /_sim/media on the Graph simulator, for the playground: a customer sends a file (its bytes
// come base64 in JSON; the playground sends its sample picture or PDF), and the phone shows
// what the business sent (the uploaded file's bytes, for files the simulator kept).
import express, { Router } from 'express';
import { z } from 'zod';
import { parseBody } from './control-util';
import { newWamid } from './graph-envelopes';
import type { GraphSim } from './graph-types';

const customerMediaBody = z.object({
  phoneNumberId: z.string().min(1),
  from: z.string().regex(/^\d{5,20}$/),
  name: z.string().min(1).max(100).optional(),
  kind: z.enum(['image', 'document', 'audio', 'video', 'sticker']),
  mimeType: z.string().min(3).max(200),
  fileName: z.string().min(1).max(240).optional(),
  caption: z.string().min(1).max(1024).optional(),
  dataBase64: z.string().min(1),
});

export function graphMediaControlRouter(sim: GraphSim): Router {
  const r = Router();
  r.use(express.json({ limit: '12mb' }));

  r.post('/customer', async (req, res) => {
    const b = parseBody(customerMediaBody, req.body, res);
    if (!b) return;
    const stored = await sim.media.add({ mimeType: b.mimeType, data: Buffer.from(b.dataBase64, 'base64') });
    const id = newWamid();
    const payload = sim.media.customerMessage({ phoneNumberId: b.phoneNumberId, from: b.from, name: b.name, id, kind: b.kind, mediaId: stored.id, caption: b.caption, filename: b.fileName });
    const result = await sim.deliverWebhook(payload);
    res.json({ messageId: id, mediaId: stored.id, ...result });
  });

  r.get('/:id', (req, res) => {
    const m = sim.media.byId.get(req.params.id);
    if (!m) return void res.status(404).json({ error: 'no such media' });
    res.json({ id: m.id, mimeType: m.mimeType, size: m.size, filename: m.filename ?? null, dataBase64: m.data ? m.data.toString('base64') : null });
  });

  return r;
}
