// Commands outside the guide, over real HTTP: status, rollback (confirmed, audited),
// help and the fallback, and the confirmation after a token swap through a link.
import { startHarness, waitFor, makeToken, type Harness } from '../../testkit/harness';
import { fingerprint } from '../../src/vault/crypto';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const said = (chatId: string) => h.giosg.chatMessages.filter((m) => m.chatId === chatId);
async function ask(chatId: string, o: { text?: string; responseValue?: string }, expectReplies = 1) {
  const before = said(chatId).length;
  await h.giosg.adminSays({ chatId, ...o });
  await h.bot.inbox.idle();
  return waitFor(() => (said(chatId).length >= before + expectReplies ? said(chatId).slice(before) : null), `reply to ${o.text ?? o.responseValue}`);
}

async function promoteNewToken(): Promise<string> {
  const token = makeToken();
  h.graph.addToken({ token, appId: h.tenant.metaAppId, type: 'SYSTEM_USER', scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [h.tenant.wabaId], expiresAt: 0 });
  const r = await h.services.vault.submit('t1', token, 'test', 'test');
  expect(r.ok).toBe(true);
  return token;
}

describe('bot commands', () => {
  it('status shows the live token and the channel state', async () => {
    const [reply] = await ask('c-status', { text: 'Status' });
    expect(reply.message).toContain('WhatsApp channel status for +358 40 1234567');
    expect(reply.message).toContain(`fingerprint ${fingerprint(h.token)}`);
    expect(reply.message).toContain('never expires');
    expect(reply.message).toContain('Sending: running');
    expect(reply.message).toContain('Waiting to be sent: 0 messages');
    expect(reply.message).not.toContain(h.token);
  });

  it('rollback asks first, then puts the previous token back, audited with the giosg user', async () => {
    const newer = await promoteNewToken();
    const [question] = await ask('c-rb', { text: 'rollback' });
    expect(question.message).toContain(fingerprint(newer));
    const [done] = await ask('c-rb', { responseValue: 'confirm' });
    expect(done.message).toContain(`Done: the previous token is live again (fingerprint ${fingerprint(h.token)})`);
    expect((await h.services.vault.current('t1'))!.fingerprint).toBe(fingerprint(h.token));
    const audit = await h.services.vault.audit('t1');
    expect(audit.some((a) => a.actor === 'giosg:sandbox-admin')).toBe(true);
  });

  it('rollback can be cancelled, and says so when there is nothing to go back to', async () => {
    await ask('c-rb2', { text: 'roll back' });
    const [cancelled] = await ask('c-rb2', { responseValue: 'cancel' });
    expect(cancelled.message).toBe('Okay, no rollback. Nothing was changed.');
    await ask('c-rb2', { text: 'rollback' });
    const [none] = await ask('c-rb2', { text: 'yes' });
    expect(none.message).toBe('There is no previous token to go back to.');
  });

  it('help lists the commands; anything else gets a friendly pointer with buttons', async () => {
    const [help] = await ask('c-help', { text: 'help' });
    expect(help.message).toContain('renew – renew the WhatsApp access token');
    const [fallback] = await ask('c-help', { text: 'good morning' });
    expect(fallback.message).toMatch(/^I didn't catch that/);
    expect(JSON.stringify(fallback.attachments)).toContain('"value":"renew"');
    const [cancel] = await ask('c-help', { text: 'cancel' });
    expect(cancel.message).toBe("There's nothing to cancel right now.");
  });

  it('confirms a swap in the chat that asked for the link, and the guide there is finished', async () => {
    await ask('c-swap', { text: 'renew' });
    await ask('c-swap', { responseValue: 'have_token' }, 2);
    const keys = async () => (await h.services.store.db.selectFrom('bot_state').select('key').execute()).map((r) => r.key).filter((k) => k.includes('c-swap'));
    expect(await keys()).not.toHaveLength(0);
    h.services.events.emit('token.swapped', {
      tenantId: 't1',
      versionId: 9,
      actor: 'link',
      chatId: 'c-swap',
      locale: 'fi',
      verifiedName: 'Acme Oy',
      displayPhoneNumber: '+358 40 1234567',
      expiresAt: null,
    });
    const [confirmed] = await waitFor(() => (said('c-swap').length >= 4 ? said('c-swap').slice(3) : null), 'confirmation');
    expect(confirmed.message).toBe('✅ Uusi token on käytössä: Acme Oy (+358 40 1234567); token ei vanhene koskaan. Odottaneet vastaukset lähtevät nyt.');
    await waitFor(async () => (await keys()).length === 0, 'dialog state cleared');
    // The next message starts fresh rather than landing in the finished guide.
    const [fresh] = await ask('c-swap', { text: 'hello' });
    expect(fresh.message).toMatch(/^I didn't catch that/);
  });
});
