// What admins type, recognised in every language at once: an admin whose giosg is in
// Finnish may still type "renew". Word lists live in locales/*/bot.json (bot:words.*).
import { LOCALES, translator } from '../i18n';

export type Word =
  | 'renew'
  | 'have_token'
  | 'start'
  | 'done'
  | 'existing'
  | 'new'
  | 'blocked'
  | 'back'
  | 'cancel'
  | 'help'
  | 'status'
  | 'rollback'
  | 'confirm'
  | 'new_link'
  | 'templates'
  | 'param_name'
  | 'param_reply';

const cache = new Map<string, Set<string>>();

function list(key: string): Set<string> {
  let hit = cache.get(key);
  if (!hit) {
    hit = new Set();
    for (const l of LOCALES) {
      for (const w of String(translator(l)(`bot:words.${key}`)).split(',')) {
        const n = normalize(w);
        if (n) hit.add(n);
      }
    }
    cache.set(key, hit);
  }
  return hit;
}

/** Lower case, trimmed, outer quotes and trailing punctuation removed, spaces collapsed. */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[“”„"'’«»]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[\s.,!:;-]+|[\s.,!:;-]+$/g, '')
    .trim();
}

export function isWord(text: string | null | undefined, word: Word): boolean {
  if (!text) return false;
  return list(word).has(normalize(text));
}

/** Meta's "You have been temporarily blocked from performing this action", in any language. */
export function mentionsBlock(text: string | null | undefined): boolean {
  if (!text) return false;
  const n = normalize(text);
  for (const p of list('blocked_phrases')) if (n.includes(p)) return true;
  return false;
}

/**
 * The first of `accepted` that the answer means. A pressed button carries its value
 * exactly; typed text is compared against the word lists.
 */
export function answerOf<W extends Word>(text: string | null | undefined, button: string | null | undefined, accepted: readonly W[]): W | null {
  if (button) {
    const hit = accepted.find((w) => w === button);
    if (hit) return hit;
  }
  for (const w of accepted) if (isWord(text, w)) return w;
  return null;
}
