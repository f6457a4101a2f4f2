// Choosing the re-engagement template in the chat with the bot, over real HTTP: the bot
// lists the approved templates from Meta, the admin picks one and maps its parameters, the
// choice is checked and stored; status then shows it with the held replies. Visitors may
// not choose; Meta refusing the listing is explained; cancel changes nothing.
import { startHarness, waitFor, TENANT, type Harness } from '../../testkit/harness';
import { ReengagementTemplateRepo } from '../../src/store/reengagement-template-repo';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const said = (chatId: string) => h.giosg.chatMessages.filter((m) => m.chatId === chatId);
async function ask(chatId: string, o: { text?: string; responseValue?: string; language?: string }, expectReplies = 1) {
  const before = said(chatId).length;
  await h.giosg.adminSays({ chatId, ...o });
  await h.bot.inbox.idle();
  return waitFor(() => (said(chatId).length >= before + expectReplies ? said(chatId).slice(before) : null), `reply to ${o.text ?? o.responseValue}`);
}
const stored = () => new ReengagementTemplateRepo(h.services.store.db).list(TENANT.id);

describe('templates dialog', () => {
  it('lists the approved templates, takes a pick and its parameters, stores the checked choice, and status shows it', async () => {
    const [list, prompt] = await ask('c-tpl', { text: 'templates' }, 2);
    expect(list.message).toContain('Chosen now: none');
    expect(list.message).toContain('1. reopen_conversation (en, 1 parameters): “Hello {{1}}, we have an answer');
    expect(list.message).toContain('answer_waiting (en_US, 2 parameters)');
    expect(list.message).not.toContain('spring_sale'); // rejected
    expect(list.message).not.toContain('old_followup'); // paused
    expect(prompt.message).toContain('Type the number of the template');
    const n = list.message.split('\n').find((l) => l.includes('answer_waiting'))!.split('.')[0];
    const [p1, q1] = await ask('c-tpl', { text: n }, 2);
    expect(p1.message).toContain('Parameter 1 of 2 of “answer_waiting”');
    expect(q1.message).toContain('Your choice for this parameter');
    const [p2] = await ask('c-tpl', { responseValue: 'param_name' }, 2);
    expect(p2.message).toContain('Parameter 2 of 2');
    const [done] = await ask('c-tpl', { text: 'reply' });
    expect(done.message).toContain('Done: “answer_waiting” (en_US) is now the re-engagement template');
    expect(done.message).toContain("the customer's name, the agent's reply");
    expect((await stored()).map((t) => [t.name, t.language, JSON.parse(t.params), t.chosenBy])).toEqual([
      ['answer_waiting', 'en_US', [{ from: 'customer_name' }, { from: 'reply' }], 'giosg:sandbox-admin'],
    ]);
    const [status] = await ask('c-tpl', { text: 'status' });
    expect(status.message).toContain('Re-engagement templates: answer_waiting (en_US)');
    expect(status.message).toContain('Held outside the 24-hour window: none');
  });

  it('a fixed text parameter, in Finnish; a wrong number is asked again', async () => {
    const [list] = await ask('c-fi', { text: 'viestipohjat', language: 'fi' }, 2);
    expect(list.message).toContain('Hyväksytyt viestipohjat');
    const [again] = await ask('c-fi', { text: '99' }, 2);
    expect(again.message).toContain('viestipohjaa numero ”99” ei ole');
    const n = list.message.split('\n').find((l) => l.includes('reopen_conversation (fi'))!.split('.')[0];
    await ask('c-fi', { text: n }, 2);
    const [done] = await ask('c-fi', { text: 'asiakas' });
    expect(done.message).toContain('Valmis: ”reopen_conversation” (fi)');
    expect(JSON.parse((await stored())[0].params)).toEqual([{ from: 'text', value: 'asiakas' }]);
  });

  it('cancel changes nothing; a template paused between listing and choice is refused at the check', async () => {
    await new ReengagementTemplateRepo(h.services.store.db).replace(TENANT.id, [{ name: 'reopen_conversation', language: 'sv', params: JSON.stringify([{ from: 'reply' }]) }], 'test', Date.now());
    const [list] = await ask('c-c', { text: 'templates' }, 2);
    expect(list.message).toContain('Chosen now: reopen_conversation (sv)');
    const [bye] = await ask('c-c', { responseValue: 'cancel' });
    expect(bye.message).toContain('stays as it was');
    const [list2] = await ask('c-c', { text: 'templates' }, 2);
    const n = list2.message.split('\n').find((l) => l.includes('reopen_conversation (en'))!.split('.')[0];
    await ask('c-c', { text: n }, 2);
    h.graph.templates.find((t) => t.name === 'reopen_conversation' && t.language === 'en')!.status = 'PAUSED';
    const [refused] = await ask('c-c', { responseValue: 'param_reply' });
    expect(refused.message).toContain('I could not choose “reopen_conversation”: “reopen_conversation” (en) is not approved: its status is PAUSED. Nothing was changed.');
    expect((await stored()).map((t) => t.language)).toEqual(['sv']);
  });

  it('Meta refusing the listing is explained without the token', async () => {
    h.graph.removeScope(h.token, 'whatsapp_business_management');
    const [r] = await ask('c-denied', { text: 'templates' });
    expect(r.message).toContain('I could not read the message templates from Meta');
    expect(r.message).toContain('whatsapp_business_management');
    expect(r.message).not.toContain(h.token);
  });
});
