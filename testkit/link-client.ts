// A tiny browser stand-in for the link tests: real HTTP, keeps the CSRF cookie per link
// and reads the hidden field from the form, as a phone browser would.
import type { Harness } from './harness';

export interface Page {
  status: number;
  html: string;
  headers: Headers;
  csrf?: string;
  cookie?: string;
}

export async function issueLink(h: Harness, locale = 'en', adminUserId = 'admin-7', chatId = 'chat-42'): Promise<{ url: string; path: string; id: string; expiresAt: number }> {
  const link = await h.links.issue({ tenantId: h.tenant.id, adminUserId, chatId, locale });
  const path = new URL(link.url).pathname;
  return { ...link, path, id: path.split('/').pop()! };
}

export async function open(h: Pick<Harness, 'url'>, path: string, cookie?: string): Promise<Page> {
  const res = await fetch(`${h.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  return toPage(res, cookie);
}

export async function submit(h: Pick<Harness, 'url'>, path: string, token: string | undefined, form: { csrf?: string; cookie?: string }): Promise<Page> {
  const body = new URLSearchParams();
  if (form.csrf !== undefined) body.set('_csrf', form.csrf);
  if (token !== undefined) body.set('token', token);
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(form.cookie ? { cookie: form.cookie } : {}) },
    body: body.toString(),
    redirect: 'manual',
  });
  return toPage(res, form.cookie);
}

/** GET the form, then POST the token with its CSRF field and cookie. */
export async function openAndSubmit(h: Pick<Harness, 'url'>, path: string, token: string | undefined): Promise<Page> {
  const form = await open(h, path);
  if (form.status !== 200) throw new Error(`form answered ${form.status}`);
  return submit(h, path, token, form);
}

async function toPage(res: Response, previousCookie?: string): Promise<Page> {
  const html = await res.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const set = res.headers.getSetCookie?.() ?? [];
  const cookie = set.length ? set.map((c) => c.split(';')[0]).join('; ') : previousCookie;
  return { status: res.status, html, headers: res.headers, csrf, cookie };
}

/** Visible text of a page, for asserting on messages without HTML noise. */
export function text(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
}
