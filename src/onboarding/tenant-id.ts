// The tenant id of an installing giosg organization: stable (a reinstall finds its tenant
// again), readable in logs and URLs, and inside the tenant id alphabet the CLI enforces.
export function tenantIdForOrganization(orgId: string): string {
  const slug = orgId.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 56);
  if (slug === '') throw new Error('organization id has no usable characters');
  return `giosg-${slug}`;
}
