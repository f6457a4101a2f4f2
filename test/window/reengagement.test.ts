// Re-engagement templates: outside the customer's 24-hour window the tenant's approved
// template goes out (and only it: the replies stay held), the held replies follow in order
// once the customer answers, also across a restart; Meta's template errors are explained to
// the agent and the admins, with the next configured template tried where one may work.
import { engines, Harness, TENANT, waitFor } from '../../testkit/harness';
import { agentReply, customer, postSigned, startChannelHarness } from '../channel/channel-helpers';
import { JumpClock, HOUR, heldRows, reengagementRows, chatLines, restartService } from './window-helpers';
import { ReengagementTemplateRepo } from '../../src/store/reengagement-template-repo';
import type { ParamSource } from '../../src/channel/window/template-params';

const A = '358401234567';
const B = '358409876543';

describe.each(engines)('re-engagement templates (%s)', (engine) => {
  let h: Harness;
  let clock: JumpClock;
  beforeEach(async () => {
    clock = new JumpClock();
    h = await startChannelHarness({ engine, clock });
  });
  afterEach(async () => {
    await h.stop();
  });

  const choose = (list: { name: string; language: string; params: ParamSource[] }[]) =>
    new ReengagementTemplateRepo(h.services.store.db).replace(TENANT.id, list.map((t) => ({ ...t, params: JSON.stringify(t.params) })), 'test', Date.now());
  const windowRow = (waId: string) => h.services.store.db.selectFrom('service_windows').selectAll().where('tenant_id', '=', TENANT.id).where('wa_id', '=', waId).executeTakeFirst();
  const templatesSent = () => h.graph.sent.filter((m) => m.template);
  const freeText = () => h.graph.sent.filter((m) => !m.template);
  const alertLines = () => h.giosg.chatMessages.filter((m) => m.message.startsWith('⚠️')).map((m) => m.message);

  async function customerWroteYesterday(waId = A) {
    await postSigned(h, customer(h, waId, 'Hei!'));
    await waitFor(async () => (await windowRow(waId))?.last_inbound_at, 'window recorded');
    clock.offset = 24 * HOUR + 60_000;
  }

  test('outside the window the template goes out with the customer name; the held replies follow in order when the customer answers', async () => {
    await choose([{ name: 'reopen_conversation', language: 'en', params: [{ from: 'customer_name' }] }]);
    await customerWroteYesterday();
    await agentReply(h, A, 'Your refund was approved.');
    await agentReply(h, A, 'It shows in 3 days.');
    await waitFor(() => templatesSent().length === 1, 'template sent');
    const [tpl] = templatesSent();
    expect(tpl.template).toEqual({ name: 'reopen_conversation', language: 'en', params: ['Maija Meikäläinen'] });
    expect(tpl.body).toContain('Hello Maija Meikäläinen');
    await h.idle();
    expect(freeText()).toHaveLength(0);
    expect((await heldRows(h)).map((r) => r.body)).toEqual(['Your refund was approved.', 'It shows in 3 days.']);
    const [re] = await reengagementRows(h);
    expect(re.state).toBe('sent');
    expect(re.wamid).toBe(tpl.id);
    expect(chatLines(h)[0]).toContain('“reopen_conversation” is being sent to them now');
    expect(await (await fetch(`${h.url}/metrics`)).text()).toMatch(/whatsapp_reengagement_templates_total\{result="sent"\} 1/);
    // The customer answers the template: the window reopens and the held replies go, in order.
    clock.offset = 0;
    await postSigned(h, customer(h, A, 'Oh, thanks!'));
    await waitFor(() => freeText().length === 2, 'held replies sent');
    expect(freeText().map((m) => m.body)).toEqual(['Your refund was approved.', 'It shows in 3 days.']);
    expect((await reengagementRows(h))[0].state).toBe('answered');
    expect(templatesSent()).toHaveLength(1);
  });

  test('a restart between the template and the answer loses nothing and sends nothing twice', async () => {
    await choose([{ name: 'answer_waiting', language: 'en_US', params: [{ from: 'customer_name' }, { from: 'reply' }] }]);
    await customerWroteYesterday();
    await agentReply(h, A, 'First answer\nwith a line break.');
    await agentReply(h, A, 'Second answer.');
    await waitFor(() => templatesSent().length === 1, 'template sent');
    // Meta refuses newlines in a parameter: the reply is flattened for it.
    expect(templatesSent()[0].template!.params).toEqual(['Maija Meikäläinen', 'First answer with a line break.']);
    const r = await restartService(h, clock);
    try {
      clock.offset = 0;
      await postSigned(h, customer(h, A, 'Back!'));
      await waitFor(() => freeText().length === 2, 'held replies sent after the restart');
      expect(freeText().map((m) => m.body)).toEqual(['First answer\nwith a line break.', 'Second answer.']);
      await r.composed.channel.idle();
      expect(templatesSent()).toHaveLength(1);
    } finally {
      await r.stop();
    }
  });

  test('a template Meta does not know (132001) makes way for the next configured one; the admins are told', async () => {
    await choose([
      { name: 'renamed_long_ago', language: 'en', params: [] },
      { name: 'reopen_conversation', language: 'en', params: [{ from: 'text', value: 'there' }] },
    ]);
    await customerWroteYesterday();
    await agentReply(h, A, 'We found your parcel.');
    await waitFor(() => templatesSent().length === 1, 'second template sent');
    expect(templatesSent()[0].template).toEqual({ name: 'reopen_conversation', language: 'en', params: ['there'] });
    // Meta has it; our record of the answer follows.
    await waitFor(async () => (await reengagementRows(h))[0].state === 'sent', 'recorded as sent');
    expect((await reengagementRows(h))[0]).toMatchObject({ state: 'sent', template_name: 'reopen_conversation', template_language: 'en' });
    const alert = await waitFor(() => alertLines()[0], 'admin alert');
    expect(alert).toContain('“renamed_long_ago”');
    expect(alert).toContain('no approved template with this name exists in this language (Meta error 132001)');
    expect(alert).toContain('“reopen_conversation” is used instead');
  });

  test('a paused template fails: the agent and the admins hear why (once), the replies stay held and go when the customer writes', async () => {
    await choose([{ name: 'old_followup', language: 'en', params: [{ from: 'customer_name' }] }]);
    await customerWroteYesterday(A);
    await agentReply(h, A, 'Any news?');
    await waitFor(async () => (await reengagementRows(h))[0]?.state === 'failed', 'template failed');
    expect((await reengagementRows(h))[0].error_code).toBe(132015);
    const agentLine = await waitFor(() => chatLines(h).find((l) => l.includes('could not be sent to the customer: Meta has paused')), 'agent told');
    expect(agentLine).toContain('(Meta error 132015)');
    await waitFor(() => alertLines().length === 1, 'admin alert');
    expect(alertLines()[0]).toContain('Tell me “templates”');
    // A second customer's reply meets the same paused template: the admins are not told again.
    await postSigned(h, customer(h, B, 'Moi'));
    await waitFor(async () => (await windowRow(B))?.last_inbound_at, 'B window');
    await agentReply(h, B, 'Hello B');
    await waitFor(async () => (await reengagementRows(h)).filter((r) => r.state === 'failed').length === 2, 'second failure');
    await h.idle();
    expect(alertLines()).toHaveLength(1);
    expect(templatesSent()).toHaveLength(0);
    expect(await heldRows(h)).toHaveLength(2);
    clock.offset = 0;
    await postSigned(h, customer(h, A, 'I am here'));
    await waitFor(() => freeText().some((m) => m.body === 'Any news?'), 'held reply sent');
  });

  test('a wrong parameter count (132000) is explained', async () => {
    await choose([{ name: 'reopen_conversation', language: 'en', params: [] }]);
    await customerWroteYesterday();
    await agentReply(h, A, 'Hello');
    await waitFor(async () => (await reengagementRows(h))[0]?.state === 'failed', 'template failed');
    await waitFor(() => chatLines(h).some((l) => l.includes('the number of parameters does not match the template (Meta error 132000)')), 'agent told');
  });

  test('Meta enforcing the window we thought open (131047): the reply is held, the template sent, and the reply follows the answer', async () => {
    await choose([{ name: 'reopen_conversation', language: 'fi', params: [{ from: 'customer_name' }] }]);
    await postSigned(h, customer(h, A, 'Hei!'));
    await waitFor(async () => (await windowRow(A))?.last_inbound_at, 'window recorded');
    // Meta's clock says a day has passed; ours does not know yet.
    h.graph.ageCustomer(A, 25 * HOUR);
    await agentReply(h, A, 'Anteeksi viive.');
    await waitFor(() => templatesSent().length === 1, 'template sent after Meta refused the free text');
    expect(templatesSent()[0].template!.language).toBe('fi');
    expect((await heldRows(h)).map((r) => [r.body, r.reason])).toEqual([['Anteeksi viive.', 'meta_131047']]);
    await postSigned(h, customer(h, A, 'Ei haittaa'));
    await waitFor(() => freeText().length === 1, 'held reply sent');
    expect(freeText()[0].body).toBe('Anteeksi viive.');
  });

  test('a template whose delivery fails (status 131026) is told to the agent; the replies stay held', async () => {
    await choose([{ name: 'reopen_conversation', language: 'en', params: [{ from: 'customer_name' }] }]);
    await customerWroteYesterday();
    await agentReply(h, A, 'Hello?');
    await waitFor(() => templatesSent().length === 1, 'template sent');
    await h.idle();
    await h.graph.deliverWebhook(h.graph.statusUpdate({ phoneNumberId: TENANT.phoneNumberId, wamid: templatesSent()[0].id, recipient: A, status: 'failed', errors: [{ code: 131026, title: 'Message undeliverable' }] }));
    await waitFor(async () => (await reengagementRows(h))[0].state === 'failed', 'failed by status');
    await waitFor(() => chatLines(h).some((l) => l.includes('WhatsApp could not deliver it to this customer (Meta error 131026)')), 'agent told');
    expect(await heldRows(h)).toHaveLength(1);
  });

  test('an expired token pauses the template send like a reply; after the swap it goes once', async () => {
    await choose([{ name: 'reopen_conversation', language: 'en', params: [{ from: 'customer_name' }] }]);
    await customerWroteYesterday();
    h.graph.expireToken(h.token);
    await agentReply(h, A, 'Hello after hours');
    await waitFor(async () => (await h.channel.status(TENANT.id))?.paused === true, 'channel paused');
    expect(templatesSent()).toHaveLength(0);
    // The refused send goes back to waiting (written just after the channel paused).
    await waitFor(async () => (await reengagementRows(h))[0].state === 'pending', 'template waiting');
    const fresh = `EAAG${'r'.repeat(40)}`;
    h.graph.addToken({ token: fresh, appId: TENANT.metaAppId, scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId] });
    const id = await h.services.vault.addPending(TENANT.id, fresh, 'test', 'test');
    await h.services.vault.markValidated(TENANT.id, id, { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567' }, 'test');
    const current = await h.services.vault.current(TENANT.id);
    expect((await h.services.vault.promote(TENANT.id, id, current!.versionId, 'test')).ok).toBe(true);
    await waitFor(() => templatesSent().length === 1, 'template sent after the swap');
    await h.idle();
    expect(templatesSent()).toHaveLength(1);
    expect(h.logs.text()).not.toContain(fresh);
  });
});
