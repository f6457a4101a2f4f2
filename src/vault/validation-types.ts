// The token validation pipeline's contract (shape → debug_token → probe). Each problem
// is a typed diagnosis that the link page and the bot turn into a localized message
// naming the guide step to go back to.
export type GuideStep = 1 | 2 | 3 | 4 | 5;

export type DiagnosisCode =
  | 'empty'
  | 'whitespace'
  | 'bad_characters'
  | 'too_short'
  | 'invalid'
  | 'expired'
  | 'password_changed'
  | 'app_not_installed'
  | 'not_asset_admin'
  | 'app_secret_changed'
  | 'wrong_app'
  | 'missing_scope'
  | 'wrong_waba'
  | 'no_asset_access'
  | 'probe_failed'
  | 'meta_unreachable'
  | 'app_credentials_rejected'
  | 'unknown_tenant';

export type WarningCode = 'user_token' | 'expires';

export interface Diagnosis {
  code: DiagnosisCode;
  step: GuideStep | null;
  /** Interpolation values for the localized message (never the token). */
  params: Record<string, string | number>;
}

export interface Warning {
  code: WarningCode;
  step: GuideStep | null;
  params: Record<string, string | number>;
}

export interface TokenFacts {
  tokenType: string | null;
  expiresAt: number | null; // epoch ms; null = never
  scopes: string[];
  verifiedName: string | null;
  displayPhoneNumber: string | null;
}

/**
 * retryable: the problem is not the token (Meta unreachable, our app credentials), so a
 * one-time link stays open and the attempt is not counted against the admin.
 */
export type ValidationResult =
  | { ok: true; facts: TokenFacts; warnings: Warning[] }
  | { ok: false; diagnosis: Diagnosis; retryable: boolean };

/** One pipeline step's verdict: a diagnosis stops the pipeline; warnings accumulate. */
export type StepResult<T> = { ok: true; value: T; warnings: Warning[] } | { ok: false; diagnosis: Diagnosis; retryable: boolean };

/** Checks a token against Meta and says what is wrong with it, in a diagnosis per guide step. */
export interface TokenValidation {
  validate(tenantId: string, token: string): Promise<ValidationResult>;
}
