// Where a re-engagement template's body parameters come from: the agent's held reply, the
// customer's WhatsApp profile name, or a fixed text. Validated with zod wherever a choice
// enters (bot dialog, CLI, database read).
import { z } from 'zod';

export const paramSource = z.discriminatedUnion('from', [
  z.object({ from: z.literal('reply') }),
  z.object({ from: z.literal('customer_name'), fallback: z.string().min(1).max(60).optional() }),
  z.object({ from: z.literal('text'), value: z.string().min(1).max(1024) }),
]);
export type ParamSource = z.infer<typeof paramSource>;

export const templateChoice = z.object({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'a template name is lower case letters, digits and _'),
  language: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, 'a language code like en_US or fi'),
  params: z.array(paramSource).max(20),
});
export type TemplateChoice = z.infer<typeof templateChoice>;

/** Meta rejects an empty parameter and one longer than the body allows; a reply is cut to fit. */
const MAX_PARAM = 1024;

export function fillParams(sources: ParamSource[], reply: string, customerName: string | null, defaultName: string): string[] {
  return sources.map((p) => {
    const v = p.from === 'reply' ? reply : p.from === 'customer_name' ? customerName || p.fallback || defaultName : p.value;
    // Meta refuses newlines, tabs and more than four consecutive spaces in a parameter (132018).
    const flat = v.replace(/[\n\t]+/g, ' ').replace(/ {4,}/g, '   ').trim();
    return (flat || defaultName).slice(0, MAX_PARAM);
  });
}

export function parseStoredParams(json: string): ParamSource[] {
  return z.array(paramSource).parse(JSON.parse(json));
}
