// Dates and durations as an admin reads them, in their language.
import type { TFunction } from 'i18next';

export function formatTime(locale: string, ms: number): string {
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(ms))} UTC`;
}

export function humanDuration(t: TFunction, ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return t('bot:duration.minutes', { count: minutes });
  // Rounded, so a token expiring in 5 days 23 hours reads "6 days".
  const hours = Math.round(minutes / 60);
  if (hours < 48) return t('bot:duration.hours', { count: hours });
  return t('bot:duration.days', { count: Math.round(minutes / 1440) });
}

export function ago(t: TFunction, ms: number): string {
  return t('bot:duration.ago', { duration: humanDuration(t, ms) });
}
