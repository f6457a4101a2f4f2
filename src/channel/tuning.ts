// Default timing of the channel's workers. Config.channelTuning overrides any of them.
import type { ChannelTuning, Config } from '../config';

export const DEFAULT_TUNING: ChannelTuning = {
  pollMs: 500,
  leaseMs: 60_000,
  batchSize: 100,
  backoffBaseMs: 1_000,
  backoffMaxMs: 5 * 60_000,
  probeIntervalMs: 3 * 60_000,
  ticksPollMs: 2_000,
  ticksSettleMs: 8_000,
  ticksReadSettleMs: 1_500,
};

export function channelTuning(config: Config): ChannelTuning {
  return { ...DEFAULT_TUNING, ...config.channelTuning };
}
