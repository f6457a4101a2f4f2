// The sandbox says so on every page, the one-time link page included; production pages do not.
import axios from 'axios';
import { startHarness, Harness } from '../../testkit/harness';

describe.each([true, false])('link page banner (sandbox=%s)', (sandbox) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ workers: false, config: { sandbox } });
  });
  afterAll(() => h.stop());

  it(sandbox ? 'shows the sandbox banner' : 'shows no sandbox banner', async () => {
    const link = await h.links.issue({ tenantId: h.tenant.id, adminUserId: 'admin-1', chatId: 'chat-1', locale: 'fi' });
    const page = await axios.get(link.url.replace(/^http:\/\/127\.0\.0\.1:\d+/, h.url), { validateStatus: () => true });
    expect(page.status).toBe(200);
    expect(page.data.includes('class="sandbox-banner"')).toBe(sandbox);
    if (sandbox) expect(page.data).toContain('Hiekkalaatikko');
    const gone = await axios.get(`${h.url}/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, { validateStatus: () => true });
    expect(gone.data.includes('class="sandbox-banner"')).toBe(sandbox);
  });
});
