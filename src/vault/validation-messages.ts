// Turns typed diagnoses and warnings into the admin's language. Used by the link page and
// the bot, so both say the same thing and point at the same guide step.
import { normalizeLocale, translator } from '../i18n';
import type { Diagnosis, Warning } from './validation-types';
import { TOKEN_CAUSE_CODES } from './token-cause-diagnosis';

export function describeDiagnosis(d: Diagnosis, locale: string): string {
  const t = translator(locale);
  const ns = TOKEN_CAUSE_CODES.has(d.code) ? 'tokencause' : 'validation';
  return t(`${ns}:diagnosis.${d.code}`, interpolation(d.params, locale, d.step));
}

export function describeWarning(w: Warning, locale: string): string {
  const t = translator(locale);
  return t(`validation:warning.${w.code}`, interpolation(w.params, locale, w.step));
}

/** A date as the admin reads it; UTC because the page cannot know the admin's zone without script. */
export function formatDate(epochMs: number, locale: string): string {
  const lng = normalizeLocale(locale);
  const text = new Intl.DateTimeFormat(lng === 'en' ? 'en-GB' : lng, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(epochMs));
  return `${text} UTC`;
}

function interpolation(params: Record<string, string | number>, locale: string, step: number | null): Record<string, string | number> {
  const out: Record<string, string | number> = { ...params };
  if (typeof params.expiresAt === 'number') out.date = formatDate(params.expiresAt, locale);
  if (step !== null) out.step = step;
  return out;
}
