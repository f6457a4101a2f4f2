// Step 1 of token validation: is the pasted text plausibly a token at all? Tokens are
// opaque and their length varies, so there is a floor but never a ceiling.
import type { StepResult } from './validation-types';

/** Meta access tokens run to hundreds of characters; anything this short is a partial paste. */
export const MIN_TOKEN_LENGTH = 32;

/**
 * Returns the token with surrounding whitespace removed (a copy-paste artefact, not part of
 * the token), or the diagnosis that sends the admin back to copying it (guide step 5).
 */
export function checkShape(raw: string): StepResult<string> {
  const token = normalizeToken(raw);
  if (token.length === 0) return fail('empty', {});
  if (/\s/.test(token)) return fail('whitespace', {});
  // Printable ASCII only: anything else is a paste of surrounding text, not a token.
  if (/[^\x21-\x7e]/.test(token)) return fail('bad_characters', {});
  if (token.length < MIN_TOKEN_LENGTH) return fail('too_short', { min: MIN_TOKEN_LENGTH, length: token.length });
  return { ok: true, value: token, warnings: [] };
}

function fail(code: 'empty' | 'whitespace' | 'bad_characters' | 'too_short', params: Record<string, number>): StepResult<string> {
  return { ok: false, diagnosis: { code, step: 5, params }, retryable: false };
}

/** The form of the token that is validated and stored: what the admin meant to paste. */
export function normalizeToken(raw: string): string {
  return raw.trim();
}
