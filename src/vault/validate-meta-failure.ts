// Shared by the Meta-calling steps: when Meta could not answer (network, 5xx, throttled),
// the token is not at fault and the admin may simply try again.
import type { GraphError } from '../meta/graph-errors';
import type { StepResult } from './validation-types';

export function metaFailure(err: GraphError): StepResult<never> | null {
  if (err.errorClass !== 'transient' && err.errorClass !== 'throttled') return null;
  return { ok: false, diagnosis: { code: 'meta_unreachable', step: null, params: {} }, retryable: true };
}
