// A giosg reply can be longer than one WhatsApp message; it goes out as several, in order.
import { MAX_WHATSAPP_TEXT } from '../../meta/limits';

/** Splits a long reply into messages Meta accepts, preferring to break at whitespace. */
export function splitForWhatsApp(text: string, max = MAX_WHATSAPP_TEXT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(' ', max);
    const nl = rest.lastIndexOf('\n', max);
    cut = Math.max(cut, nl);
    if (cut < max / 2) cut = max;
    // Never split a surrogate pair.
    if (cut === max && /[\uD800-\uDBFF]/.test(rest[cut - 1])) cut--;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[ \n]/, '');
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}
