// Admins sometimes paste the WhatsApp token straight into the chat. The text is scrubbed
// at the edge, before it is stored, logged or handed to Botkit (whose dialog state is
// persisted), and the bot asks for the one-time link instead.
//
// Tokens are opaque (never parsed): anything that looks like a long credential counts:
// Meta's EAA… tokens, or any unbroken run of 40+ token characters.
const META_TOKEN = /EAA[A-Za-z0-9_-]{16,}/g;
const LONG_OPAQUE = /[A-Za-z0-9_\-.+=|]{40,}/g;

export const TOKEN_PLACEHOLDER = '[token removed]';

export function scrubTokens(text: string): { text: string; found: boolean } {
  let found = false;
  const hide = () => ((found = true), TOKEN_PLACEHOLDER);
  const out = text.replace(META_TOKEN, hide).replace(LONG_OPAQUE, hide);
  return { text: out, found };
}
