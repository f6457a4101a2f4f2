// Drives the bot's dialogs turn by turn with Botkit's BotkitTestClient, over dialog state
// in a real SQLite file (BotStateStorage), with small real dependencies.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConversationState } from 'botbuilder';
import { BotkitTestClient } from 'botkit';
import { GiosgBotAdapter } from '../../src/bot/adapter';
import { createBotController } from '../../src/bot/controller';
import { BotStateStorage } from '../../src/store/bot-storage';
import { openStore, type Store } from '../../src/store/db';
import { migrateToLatest } from '../../src/store/migrations';
import { ManualClock } from '../../src/clock';
import type { DialogDeps } from '../../src/bot/dialog-deps';
import type { IssueLinkRequest } from '../../src/links/link-types';
import type { RollbackOutcome } from '../../src/vault/token-vault';
import { renderStatus } from '../../dialogs/status-text';

export interface Reply {
  text: string;
  buttons: string[];
}

export class RecordingLinks {
  readonly requests: IssueLinkRequest[] = [];
  failNext = 0;
  constructor(private readonly clock: ManualClock) {}
  async issue(req: IssueLinkRequest) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('link service down');
    }
    this.requests.push(req);
    return { url: `https://bot.example.test/t/link-${this.requests.length}`, expiresAt: this.clock.now() + 15 * 60_000 };
  }
}

export interface Kit {
  dir: string;
  file: string;
  clock: ManualClock;
  links: RecordingLinks;
  rollbacks: string[];
  rollbackOutcome: RollbackOutcome;
  store: Store;
  client(dialogId: string, options?: object): BotkitTestClient;
  /** A fresh controller and storage over the same database file: a restarted process. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function dialogKit(): Promise<Kit> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-dialog-'));
  const file = path.join(dir, 'bot.sqlite');
  const clock = new ManualClock(Date.UTC(2026, 2, 10, 9, 0));
  const links = new RecordingLinks(clock);
  let store = openStore(`sqlite:${file}`);
  await migrateToLatest(store.db, store.engine);
  const kit: Kit = {
    dir,
    file,
    clock,
    links,
    rollbacks: [],
    rollbackOutcome: { ok: true, versionId: 2 },
    store,
    client(dialogId, options) {
      const deps: DialogDeps = {
        clock,
        appName: async () => 'Acme WhatsApp',
        issueLink: (req) => links.issue(req),
        statusText: async (_tenantId, locale) =>
          renderStatus(
            {
              phoneNumber: '+358 40 1234567',
              token: { versionId: 1, token: 'never-shown', fingerprint: 'ab12cd34', expiresAt: null, validatedAt: clock.now() - 3 * 86_400_000, promotedAt: clock.now() - 3 * 86_400_000, verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567' },
              channel: { tenantId: 't1', paused: false, pausedReason: null, pausedSince: null, incidentKind: null, incidentId: null, fixableByToken: null, lastSuccessAt: clock.now() - 5 * 60_000, queued: 0, failed: 0 },
            },
            locale,
            clock,
          ),
        currentFingerprint: async () => 'ab12cd34',
        rollback: async (_tenantId, actor) => {
          kit.rollbacks.push(actor);
          return kit.rollbackOutcome;
        },
        kick: () => undefined,
        // The templates dialog is tested over real HTTP (test/window/templates-dialog.test.ts).
        templates: async () => ({ ok: false, error: 'not in the dialog kit' }),
        chooseTemplate: async () => ({ ok: false, problems: [] }),
      };
      const storage = new BotStateStorage(kit.store.db, kit.store.engine, clock);
      const adapter = new GiosgBotAdapter({ tenant: async () => null, giosgFor: () => { throw new Error('not used'); } });
      const controller = createBotController(adapter, storage, deps);
      return new BotkitTestClient('giosg:t1', controller, dialogId, options ?? {}, undefined, new ConversationState(storage));
    },
    async restart() {
      await kit.store.close();
      store = openStore(`sqlite:${file}`);
      kit.store = store;
    },
    async close() {
      await kit.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return kit;
}

function toReply(a: { text?: string; channelData?: { quick_replies?: Array<{ payload: string }> } } | undefined): Reply | undefined {
  if (!a) return undefined;
  return { text: a.text ?? '', buttons: (a.channelData?.quick_replies ?? []).map((q) => q.payload) };
}

/** Sends typed text, or a button press when `button` is set; returns every reply of the turn. */
export async function say(client: BotkitTestClient, text: string, button = false): Promise<Reply[]> {
  const activity = button ? { type: 'message', text, value: text, channelData: { button: text } } : { type: 'message', text };
  const out: Reply[] = [];
  const first = toReply(await client.sendActivity(activity as never));
  if (first) out.push(first);
  for (;;) {
    const next = toReply(client.getNextReply());
    if (!next) break;
    out.push(next);
  }
  return out;
}

export const press = (client: BotkitTestClient, value: string) => say(client, value, true);
