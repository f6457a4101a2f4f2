// Request-body validation with Django REST framework's 400 shape ({field: [messages]}),
// which is what a giosg client has to cope with.
import type { Response } from 'express';
import type { z } from 'zod';

export function parseDrf<T>(schema: z.ZodType<T>, body: unknown, res: Response): T | undefined {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const errors: Record<string, string[]> = {};
  for (const issue of r.error.issues) {
    const field = issue.path.length ? issue.path.map(String).join('.') : 'non_field_errors';
    (errors[field] ??= []).push(issue.message);
  }
  res.status(400).json(errors);
  return undefined;
}
