// The link's HTML: plain server-rendered pages, no script, one same-origin stylesheet, so
// they work on any phone under a CSP of default-src 'none'. Every text comes from
// locales/*/links.json; nothing the admin posted is ever echoed back.
import { normalizeLocale, translator } from '../i18n';

export const STYLESHEET_PATH = '/t-static/link.css';

export interface Notice {
  tone: 'error' | 'warning' | 'info';
  heading: string;
  lines: string[];
}

export interface FormPage {
  locale: string;
  action: string;
  csrfToken: string;
  minutesLeft: number;
  attemptsLeft: number;
  notice?: Notice;
  /** An app-secret link (setup) has its own labels. */
  kind?: 'token' | 'app_secret';
}

export interface MessagePage {
  locale: string;
  heading: string;
  lines: string[];
  tone: 'success' | 'error' | 'info';
  details?: Array<[string, string]>;
  notice?: Notice;
}

export function renderForm(p: FormPage): string {
  const t = translator(p.locale);
  const k = p.kind === 'app_secret' ? 'links:secret.' : 'links:';
  const body = [
    `<h1>${esc(t(`${k}heading`))}</h1>`,
    p.notice ? renderNotice(p.notice) : '',
    `<p>${esc(t(`${k}intro`))}</p>`,
    `<form method="post" action="${esc(p.action)}" autocomplete="off">`,
    `<input type="hidden" name="_csrf" value="${esc(p.csrfToken)}">`,
    `<label for="token">${esc(t(`${k}label`))}</label>`,
    `<input id="token" name="token" type="password" required autocomplete="off" autocapitalize="off" autocorrect="off" spellcheck="false" aria-describedby="token-hint">`,
    `<p id="token-hint" class="hint">${esc(t(`${k}hint`))}</p>`,
    `<button type="submit">${esc(t(`${k}submit`))}</button>`,
    `</form>`,
    `<p class="meta">${esc(t('links:expires_in', { count: p.minutesLeft }))} ${esc(t('links:attempts_left', { count: p.attemptsLeft }))}</p>`,
  ].join('\n');
  return layout(p.locale, t(`${k}title`), body);
}

export function renderMessage(p: MessagePage): string {
  const t = translator(p.locale);
  const details = p.details?.length
    ? `<dl>${p.details.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`
    : '';
  const body = [
    `<div class="status ${p.tone}" role="${p.tone === 'error' ? 'alert' : 'status'}">`,
    `<h1>${esc(p.heading)}</h1>`,
    ...p.lines.map((l) => `<p>${esc(l)}</p>`),
    `</div>`,
    details,
    p.notice ? renderNotice(p.notice) : '',
  ].join('\n');
  return layout(p.locale, t('links:title'), body);
}

function renderNotice(n: Notice): string {
  return [
    `<div class="notice ${n.tone}" role="${n.tone === 'error' ? 'alert' : 'status'}">`,
    `<h2>${esc(n.heading)}</h2>`,
    ...n.lines.map((l) => `<p>${esc(l)}</p>`),
    `</div>`,
  ].join('\n');
}

function layout(locale: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="${normalizeLocale(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** Marks a rendered page as coming from the sandbox (simulated Meta and giosg). */
export function withSandboxBanner(html: string): string {
  const lang = /<html lang="([a-z]{2})"/.exec(html)?.[1];
  const banner = `<p class="sandbox-banner" role="note">${esc(translator(lang)('common:sandbox_banner'))}</p>`;
  return html.replace('<body>\n', `<body>\n${banner}\n`);
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
