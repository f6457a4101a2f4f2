// `retention prune`: one full pass of the retention policy now (after lowering a retention
// period, or on a host where the service is stopped), printing what it removed.
import type { Command } from 'commander';
import type { CliIO } from './cli-io';
import type { Services } from '../services';
import { RetentionPruner } from '../channel/retention-loop';

type Open = <T>(fn: (s: Services) => Promise<T>) => Promise<T>;

export function retentionCommands(program: Command, io: CliIO, open: Open): void {
  const retention = program.command('retention').description('the data retention policy (RETENTION_* variables)');
  retention
    .command('prune')
    .description('delete every finished row past its retention now, as the service does every PRUNE_INTERVAL_MS')
    .action(async () => {
      await open(async (s) => {
        const pruner = new RetentionPruner(s);
        const totals: Record<string, number> = {};
        for (;;) {
          const { counts, more } = await pruner.pass(s.clock.now());
          for (const [step, n] of Object.entries(counts)) totals[step] = (totals[step] ?? 0) + (n ?? 0);
          if (!more) break;
        }
        const steps = Object.entries(totals);
        if (steps.length === 0) io.out('nothing is past its retention');
        for (const [step, n] of steps) io.out(`${step}: ${n}`);
      });
    });
}
