// The token validation pipeline: shape → debug_token → probe. Each step returns a typed
// verdict; the first diagnosis stops the pipeline. The token is never logged.
import type { GraphClient } from '../meta/graph-client';
import type { Clock } from '../clock';
import type { TenantService } from './tenants';
import type { TokenValidation, ValidationResult } from './validation-types';
import { checkShape } from './validate-shape';
import { fetchDebugToken, judgeDebugToken } from './validate-debug-token';
import { probeWithToken } from './validate-probe';

export class MetaTokenValidation implements TokenValidation {
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
