// `customer export|erase`: a customer's right of access and erasure on request. The id is
// their wa_id, or the business-scoped user id (BSUID) of a customer who writes with a
// username. Erasing unsent replies needs a yes: asked on a terminal, `--yes` in a script.
import type { Command } from 'commander';
import { z } from 'zod';
import { CliIO, CliFailure } from './cli-io';
import type { Services } from '../services';
import { CustomerData } from '../channel/customer-data';

type Open = <T>(fn: (s: Services) => Promise<T>) => Promise<T>;

const customerId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$/, 'expected a wa_id (digits) or a BSUID such as FI.6856184290916264');

function parseCustomer(raw: string): string {
  const r = customerId.safeParse(raw.trim());
  if (!r.success) throw new CliFailure(`invalid customer id: ${r.error.issues[0]?.message}`);
  return r.data;
}

async function tenantOf(s: Services, tenant: string): Promise<string> {
  if (!(await s.tenants.get(tenant))) throw new CliFailure(`no tenant ${tenant}`);
  return tenant;
}

export function customerCommands(program: Command, io: CliIO, open: Open): void {
  const customer = program.command('customer').description("a WhatsApp customer's data: export it (right of access) or erase it");

  customer
    .command('export')
    .description("write everything stored about one customer as JSON to stdout (attachments' details, never their links)")
    .requiredOption('--tenant <id>', 'tenant id')
    .argument('<id>', 'wa_id or BSUID')
    .addHelpText('after', '\nExample:\n  npm run cli -- customer export --tenant acme 358401234567 > customer.json')
    .action(async (raw: string, o: { tenant: string }) => {
      const id = parseCustomer(raw);
      await open(async (s) => {
        const data = await new CustomerData(s).export(await tenantOf(s, o.tenant), id);
        io.out(JSON.stringify(data, null, 2));
      });
    });

  customer
    .command('erase')
    .description("delete one customer's messages, attachments' details, statuses, webhook parts, queued and held replies, window; audited without content")
    .requiredOption('--tenant <id>', 'tenant id')
    .option('--yes', 'also delete replies not sent yet, without asking')
    .argument('<id>', 'wa_id or BSUID')
    .addHelpText('after', '\nExample:\n  npm run cli -- customer erase --tenant acme 358401234567\n  npm run cli -- customer erase --tenant acme FI.6856184290916264 --yes')
    .action(async (raw: string, o: { tenant: string; yes?: boolean }) => {
      const id = parseCustomer(raw);
      await open(async (s) => {
        const tenantId = await tenantOf(s, o.tenant);
        const data = new CustomerData(s);
        const pending = await data.pendingReplies(tenantId, id);
        const unsent = pending.unsentReplies + pending.heldReplies;
        if (unsent > 0 && !o.yes) {
          const question = `${unsent} ${unsent === 1 ? 'reply' : 'replies'} to this customer ${unsent === 1 ? 'has' : 'have'} not been sent yet and would be deleted. Erase anyway? [y/N] `;
          if (!io.confirm) throw new CliFailure(`nothing erased: ${unsent} unsent ${unsent === 1 ? 'reply' : 'replies'} would be deleted; run again with --yes to erase them too`);
          if (!(await io.confirm(question))) throw new CliFailure('nothing erased');
        }
        const c = await data.erase(tenantId, id, s.config.operator);
        io.out(`erased customer ${data.subject(tenantId, id)} of tenant ${tenantId}:`);
        const lines: [string, number][] = [
          ['customer messages', c.inboundMessages],
          ['sent replies', c.sentReplies],
          ['unsent replies', c.unsentReplies],
          ['held replies', c.heldReplies],
          ['delivery statuses', c.statusEvents],
          ['re-engagement templates', c.reengagements],
          ['service windows', c.serviceWindows],
          ['webhook bodies deleted', c.webhooksDeleted],
          ['webhook bodies redacted (other customers kept)', c.webhooksRedacted],
        ];
        for (const [what, n] of lines) io.out(`  ${what}: ${n}`);
      });
    });
}
