// Renders the playground page: a static HTML template whose {{namespace:key}} slots are
// filled with escaped translations on the server, so the page (and its sandbox banner)
// reads right before any script runs.
import fs from 'node:fs';
import path from 'node:path';
import { translator, type Locale } from '../i18n';

/** The playground's files live in src/sandbox/playground; tsc does not copy them to dist. */
export function playgroundDir(): string {
  const candidates = [path.join(__dirname, 'playground'), path.resolve(__dirname, '..', '..', '..', 'src', 'sandbox', 'playground')];
  const found = candidates.find((c) => fs.existsSync(path.join(c, 'index.html')));
  if (!found) throw new Error('src/sandbox/playground/index.html not found');
  return found;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderPlayground(template: string, lang: Locale): string {
  const t = translator(lang);
  return template.replace(/\{\{(lang|[a-z]+:[a-z0-9_]+)\}\}/g, (_, slot: string) => {
    if (slot === 'lang') return lang;
    const text = t(slot);
    // A missing key shows up as the key itself in i18next; fail loudly in development instead.
    if (text === slot || text === slot.split(':')[1]) throw new Error(`playground: missing translation ${slot} (${lang})`);
    return escapeHtml(text);
  });
}
