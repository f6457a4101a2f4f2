// /_sim/files on the giosg simulator, for the playground: an agent's reply with a file
// (base64 in JSON), and an upload's bytes so the agent pane can show a customer's picture.
import express, { Router } from 'express';
import { z } from 'zod';
import { parseBody } from './control-util';
import type { GiosgSim } from './giosg-types';

const replyBody = z.object({
  channelId: z.string().min(1),
  threadId: z.string().min(1),
  text: z.string().max(4096).default(''),
  attachments: z.array(z.object({ fileName: z.string().min(1).max(240), contentType: z.string().min(3).max(200), dataBase64: z.string().min(1) })).min(1).max(5),
});

export function giosgFilesControlRouter(sim: GiosgSim): Router {
  const r = Router();
  r.use(express.json({ limit: '24mb' }));

  r.post('/agent-reply', async (req, res) => {
    const b = parseBody(replyBody, req.body, res);
    if (!b) return;
    const attachments = b.attachments.map((a) => ({ fileName: a.fileName, contentType: a.contentType, data: Buffer.from(a.dataBase64, 'base64') }));
    const { status } = await sim.agentReply({ channelId: b.channelId, threadId: b.threadId, text: b.text, attachments });
    res.json({ status });
  });

  r.get('/:id', (req, res) => {
    const u = sim.uploads.get(req.params.id);
    if (!u || !u.uploaded) return void res.status(404).json({ error: 'no such upload' });
    res.json({ id: u.id, fileName: u.original_file_name, contentType: u.content_type, size: u.file_size, dataBase64: u.data ? u.data.toString('base64') : null });
  });

  return r;
}
