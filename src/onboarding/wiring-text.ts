// The wiring check as the admin reads it: one line per finding, each naming what to fix.
import { translator, type Locale } from '../i18n';
import { formatTime } from '../bot/format';
import type { WiringReport } from './wiring-types';

export function wiringLines(report: WiringReport | null, locale: Locale): string[] {
  const t = translator(locale);
  if (!report) return [t('wiring:never_checked')];
  return [t('wiring:heading', { when: formatTime(locale, report.checkedAt) }), ...report.items.map((i) => t(`wiring:${i.check}.${i.code}`, blanks(i.detail)))];
}

/** Only the findings that need fixing, for an alert. */
export function wiringProblemLines(report: WiringReport, locale: Locale): string[] {
  const t = translator(locale);
  return report.items.filter((i) => i.severity === 'error').map((i) => t(`wiring:${i.check}.${i.code}`, blanks(i.detail)));
}

/** A value Meta did not give reads as a dash, not "null" or "{{status}}". */
function blanks(detail: Record<string, string | number | null> | undefined): Record<string, string> {
  const out: Record<string, string> = { waba: '—', number: '—', status: '—', quality: '—', platform: '—', name_status: '—', phone: '—', url: '—', reason: '—' };
  for (const [k, v] of Object.entries(detail ?? {})) if (v !== null && v !== '') out[k] = String(v);
  return out;
}
