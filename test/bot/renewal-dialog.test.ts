// Every path of the renewal guide, turn by turn with BotkitTestClient, in all three
// languages, with dialog state in a real SQLite database.
import type { BotkitTestClient } from 'botkit';
import { translator, type Locale } from '../../src/i18n';
import { renewalDialogId } from '../../dialogs/renewal';
import { dialogKit, press, say, type Kit } from './dialog-kit';

const APP = 'Acme WhatsApp';

describe.each(['en', 'fi', 'sv'] as Locale[])('renewal dialog (%s)', (locale) => {
  const t = translator(locale);
  const txt = (key: string, o: object = {}) => t(`bot:renewal.${key}`, { appName: APP, ...o });
  let kit: Kit;
  let client: BotkitTestClient;

  beforeEach(async () => {
    kit = await dialogKit();
    client = kit.client(renewalDialogId(locale));
  });
  afterEach(async () => {
    await kit.close();
  });

  const start = async () => {
    const r = await say(client, 'renew');
    expect(r).toEqual([{ text: txt('intro'), buttons: ['start', 'have_token', 'cancel'] }]);
  };
  const texts = (r: Array<{ text: string }>) => r.map((x) => x.text);
  const linkText = (n: number) => txt('step5_link', { url: `https://bot.example.test/t/link-${n}`, minutes: 15 });
  // Ended: the next message finds no active dialog, so the test client starts a new one.
  const ended = async () => expect(texts(await say(client, 'hello again'))).toEqual([txt('intro')]);

  it('new system user: all five steps, the app named from config, a one-time link at the end', async () => {
    await start();
    expect(await press(client, 'start')).toEqual([{ text: txt('step1'), buttons: ['done', 'back', 'cancel'] }]);
    expect(await press(client, 'done')).toEqual([{ text: txt('step2'), buttons: ['existing', 'new', 'back', 'cancel'] }]);
    expect(await press(client, 'new')).toEqual([{ text: txt('step2_new'), buttons: ['done', 'blocked', 'back', 'cancel'] }]);
    const step3 = await press(client, 'done');
    expect(step3).toEqual([{ text: txt('step3'), buttons: ['done', 'back', 'cancel'] }]);
    expect(step3[0].text).toContain(APP);
    const step4 = await press(client, 'done');
    expect(texts(step4)).toEqual([txt('step4')]);
    expect(step4[0].text).toContain('whatsapp_business_management');
    expect(step4[0].text).toContain('whatsapp_business_messaging');
    const step5 = await press(client, 'done');
    expect(step5).toEqual([
      { text: linkText(1), buttons: [] },
      { text: txt('step5'), buttons: ['done', 'new_link', 'back', 'cancel'] },
    ]);
    expect(kit.links.requests).toEqual([{ tenantId: 't1', adminUserId: 'user1', chatId: 'Convo1', locale }]);
    expect(texts(await press(client, 'done'))).toEqual([txt('finished')]);
    await ended();
  });

  it('existing system user skips the new-user and asset steps straight to generating the token', async () => {
    await start();
    await press(client, 'start');
    await press(client, 'done');
    expect(texts(await press(client, 'existing'))).toEqual([txt('step4')]);
    expect(texts(await press(client, 'done'))).toEqual([linkText(1), txt('step5')]);
  });

  it('2FA branch: the button or Meta\'s own words explain two-factor authentication, then retry adding', async () => {
    await start();
    await press(client, 'start');
    await press(client, 'done');
    await press(client, 'new');
    expect(await press(client, 'blocked')).toEqual([{ text: txt('twofa'), buttons: ['done', 'back', 'cancel'] }]);
    expect(texts(await press(client, 'done'))).toEqual([txt('step2_new')]);
    // Pasted from Meta's error dialog, in the admin's language.
    const meta = { en: 'You have been temporarily blocked from performing this action.', fi: 'Sinut on estetty väliaikaisesti suorittamasta tätä toimintoa', sv: 'Du har tillfälligt blockerats från att utföra den här åtgärden' }[locale];
    expect(texts(await say(client, meta))).toEqual([txt('twofa')]);
    expect(texts(await press(client, 'back'))).toEqual([txt('step2_new')]);
    expect(texts(await press(client, 'done'))).toEqual([txt('step3')]);
  });

  it('have_token on the first reply jumps straight to the one-time link', async () => {
    await start();
    expect(await press(client, 'have_token')).toEqual([
      { text: linkText(1), buttons: [] },
      { text: txt('step5'), buttons: ['done', 'new_link', 'back', 'cancel'] },
    ]);
    // A fresh link on request; back returns to the intro the admin came from.
    expect(texts(await press(client, 'new_link'))).toEqual([linkText(2), txt('step5')]);
    expect(texts(await press(client, 'back'))).toEqual([txt('intro')]);
  });

  it('back walks the visited steps in reverse, and says so at the start', async () => {
    await start();
    await press(client, 'start');
    await press(client, 'done');
    await press(client, 'new');
    await press(client, 'done'); // step3
    expect(texts(await press(client, 'back'))).toEqual([txt('step2_new')]);
    expect(texts(await say(client, t('bot:words.back').split(',')[0]))).toEqual([txt('step2')]);
    expect(texts(await press(client, 'back'))).toEqual([txt('step1')]);
    expect(texts(await press(client, 'back'))).toEqual([txt('intro')]);
    expect(texts(await press(client, 'back'))).toEqual([txt('at_start'), txt('intro')]);
    expect(texts(await press(client, 'start'))).toEqual([txt('step1')]);
  });

  it('cancel at any step stops the guide and changes nothing', async () => {
    await start();
    await press(client, 'start');
    await press(client, 'done');
    await press(client, 'existing'); // step4
    expect(texts(await say(client, t('bot:words.cancel').split(',')[0]))).toEqual([txt('cancelled')]);
    await ended();
    expect(kit.links.requests).toHaveLength(0);
  });

  it('cancel on the first reply', async () => {
    await start();
    expect(texts(await press(client, 'cancel'))).toEqual([txt('cancelled')]);
    await ended();
  });

  it('unexpected answers get a re-prompt listing the choices, and the step is not lost', async () => {
    await start();
    await press(client, 'start');
    const r = await say(client, 'banana');
    expect(r).toHaveLength(2);
    expect(r[0].text).toBe(txt('unexpected', { choices: `“${t('bot:buttons.done')}”` }));
    expect(r[1]).toEqual({ text: txt('step1'), buttons: ['done', 'back', 'cancel'] });
    // Free text in the admin's language works like the button.
    expect(texts(await say(client, t('bot:words.done').split(',')[0]))).toEqual([txt('step2')]);
    const again = await say(client, 'maybe?');
    expect(again[0].text).toContain(t('bot:buttons.existing'));
    expect(again[0].text).toContain(t('bot:buttons.new'));
    expect(again[1].text).toBe(txt('step2'));
  });

  it('a re-prompt at the link step does not issue a second link', async () => {
    await start();
    await press(client, 'have_token');
    const r = await say(client, 'what is this');
    expect(texts(r)).toEqual([expect.stringContaining(t('bot:buttons.finished')), txt('step5')]);
    expect(kit.links.requests).toHaveLength(1);
  });

  it('help and status work at every step without losing it', async () => {
    await start();
    await press(client, 'start');
    await press(client, 'done');
    await press(client, 'new');
    await press(client, 'done'); // step3
    const help = await say(client, t('bot:words.help').split(',')[0]);
    expect(texts(help)).toEqual([`${t('bot:renewal.help.step3', { appName: APP })}\n\n${t('bot:help.in_dialog')}`, txt('step3')]);
    const status = await say(client, t('bot:words.status').split(',')[0]);
    expect(status[0].text).toContain(t('bot:status.title', { number: '+358 40 1234567' }));
    expect(status[0].text).toContain('ab12cd34');
    expect(status[1].text).toBe(txt('step3'));
    expect(texts(await press(client, 'done'))).toEqual([txt('step4')]);
  });

  it('when no link can be issued it says so and offers to try again', async () => {
    kit.links.failNext = 1;
    await start();
    expect(await press(client, 'have_token')).toEqual([{ text: txt('step5_failed'), buttons: ['new_link', 'back', 'cancel'] }]);
    expect(texts(await press(client, 'new_link'))).toEqual([linkText(1), txt('step5')]);
  });

  it('a pasted token is refused, not kept, and the step is asked again', async () => {
    await start();
    const r = await client.sendActivity({ type: 'message', text: '[token removed]', channelData: { tokenPasted: true } } as never);
    expect(r.text).toBe(txt('token_pasted'));
    expect(client.getNextReply().text).toBe(txt('intro'));
  });

  it('a restart mid-dialog continues where the admin was (state in the database)', async () => {
    await start();
    await press(client, 'start');
    await press(client, 'done');
    await press(client, 'new');
    expect(texts(await press(client, 'done'))).toEqual([txt('step3')]);
    const rows = await kit.store.db.selectFrom('bot_state').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0].key.startsWith('giosg:t1/conversations/Convo1')).toBe(true);

    await kit.restart();
    const revived = kit.client(renewalDialogId(locale));
    expect(texts(await press(revived, 'done'))).toEqual([txt('step4')]);
    expect(texts(await press(revived, 'back'))).toEqual([txt('step3')]);
  });
});
