// i18next over locales/{en,fi,sv}/<namespace>.json. Every user-visible string comes
// through here; a test fails when a key is missing in any language.
import fs from 'node:fs';
import path from 'node:path';
import i18next, { i18n as I18n, TFunction } from 'i18next';

export const LOCALES = ['en', 'fi', 'sv'] as const;
export type Locale = (typeof LOCALES)[number];

export function localesDir(): string {
  // Works from src/ (ts-jest) and dist/src/ (built).
  for (const candidate of [path.resolve(__dirname, '..', 'locales'), path.resolve(__dirname, '..', '..', 'locales')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('locales/ folder not found');
}

export function loadResources(): Record<Locale, Record<string, Record<string, unknown>>> {
  const dir = localesDir();
  const out = {} as Record<Locale, Record<string, Record<string, unknown>>>;
  for (const lng of LOCALES) {
    out[lng] = {};
    for (const file of fs.readdirSync(path.join(dir, lng)).filter((f) => f.endsWith('.json'))) {
      out[lng][file.replace(/\.json$/, '')] = JSON.parse(fs.readFileSync(path.join(dir, lng, file), 'utf8'));
    }
  }
  return out;
}

let shared: I18n | undefined;

export function i18n(): I18n {
  if (shared) return shared;
  const resources = loadResources();
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...LOCALES],
    ns: Object.keys(resources.en),
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
    // i18next prints an advert to the console on init otherwise.
    showSupportNotice: false,
  } as Parameters<I18n['init']>[0]);
  shared = instance;
  return instance;
}

/** A translator fixed to one language. Keys are `namespace:key`. */
export function translator(locale: string | undefined): TFunction {
  return i18n().getFixedT(normalizeLocale(locale));
}

export function normalizeLocale(locale: string | undefined | null, fallback: Locale = 'en'): Locale {
  if (!locale) return fallback;
  const short = locale.toLowerCase().slice(0, 2);
  return (LOCALES as readonly string[]).includes(short) ? (short as Locale) : fallback;
}
