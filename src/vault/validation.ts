// The token validation pipeline: shape → debug_token → probe. Each step returns a typed
// verdict; the first diagnosis stops the pipeline. The token is never logged.
import type { GraphClient } from '../meta/graph-client';
import type { Clock } from '../clock';
import type { TenantService } from './tenants';
import type { Validator } from './token-vault';
import type { TokenValidator, ValidationResult } from './validation-types';
import { checkShape } from './validate-shape';
import { fetchDebugToken, judgeDebugToken } from './validate-debug-token';
import { probeWithToken } from './validate-probe';

export class TokenPipeline implements TokenValidator {
  constructor(
    private readonly tenants: TenantService,
    private readonly graph: GraphClient,
    private readonly clock: Clock,
  ) {}

  async validate(tenantId: string, raw: string): Promise<ValidationResult> {
    const tenant = await this.tenants.get(tenantId);
    if (!tenant) return { ok: false, diagnosis: { code: 'unknown_tenant', step: null, params: { tenant: tenantId } }, retryable: false };

    const shape = checkShape(raw);
    if (!shape.ok) return shape;
    const token = shape.value;

    const fetched = await fetchDebugToken(() => this.graph.debugToken({ inputToken: token, appId: tenant.metaAppId, appSecret: tenant.metaAppSecret }));
    if (!fetched.ok) return fetched;
    const judged = judgeDebugToken(fetched.value, tenant, this.clock.now());
    if (!judged.ok) return judged;

    const probed = await probeWithToken(() => this.graph.probePhone({ phoneNumberId: tenant.phoneNumberId, token, appSecret: tenant.metaAppSecret }), tenant.phoneNumberId);
    if (!probed.ok) return probed;

    return {
      ok: true,
      facts: { ...judged.value, ...probed.value },
      warnings: [...judged.warnings, ...probed.warnings],
    };
  }
}

/** The vault's validator signature over a pipeline result (the vault stores the facts). */
export function vaultValidator(validator: TokenValidator): Validator {
  return async (tenantId, token) => toVaultVerdict(await validator.validate(tenantId, token));
}

export function toVaultVerdict(r: ValidationResult): Awaited<ReturnType<Validator>> {
  if (!r.ok) return { ok: false, reason: r.diagnosis.code };
  const { tokenType, expiresAt, verifiedName, displayPhoneNumber } = r.facts;
  return { ok: true, facts: { tokenType, expiresAt, verifiedName, displayPhoneNumber } };
}
