// Small helpers shared by the two /_sim control APIs (developer-facing, English only).
import type { Response } from 'express';
import type { z } from 'zod';

/** Parses a control request body; on failure answers 400 with the first bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, res: Response): T | undefined {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  res.status(400).json({ error: `${issue.path.join('.') || 'body'}: ${issue.message}` });
  return undefined;
}
