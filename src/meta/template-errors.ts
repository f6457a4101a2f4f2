// Meta's refusals of a template message, by code, as the explanation the agent and the
// admin get (locales/*/window.json `templateError.*`) and whether another configured
// template may do better. Codes from Meta's Cloud API error-code reference; 131047 is the
// free-form refusal outside the window (a template is never refused for that).
export type TemplateProblem =
  | 'param_count'
  | 'missing'
  | 'too_long'
  | 'policy'
  | 'param_format'
  | 'paused'
  | 'disabled'
  | 'not_approved'
  | 'marketing_limited'
  | 'opted_out'
  | 'undeliverable'
  | 'other';

const BY_CODE: Record<number, TemplateProblem> = {
  132000: 'param_count',
  132001: 'missing',
  132005: 'too_long',
  132007: 'policy',
  132012: 'param_format',
  132015: 'paused',
  132016: 'disabled',
  132018: 'param_format',
  131049: 'marketing_limited',
  131050: 'opted_out',
  131026: 'undeliverable',
};

export function templateProblem(code: number | null | undefined): TemplateProblem {
  return code != null ? (BY_CODE[code] ?? 'other') : 'other';
}

/**
 * Problems of the template itself: the next configured template is tried. The others are
 * about this customer (opted out, undeliverable), where another template would fail alike
 * or be unwelcome.
 */
export function anotherTemplateMayWork(p: TemplateProblem): boolean {
  return ['param_count', 'missing', 'too_long', 'policy', 'param_format', 'paused', 'disabled', 'not_approved', 'other'].includes(p);
}
