// What giosg POSTs to us: bot-user chat events (public shape, DESIGN.md section 5) and UMI
// reply webhooks (assumed shape). giosg does not sign webhooks; the secret is in the URL
// we registered, so these go out exactly as given.
import { randomUUID } from 'node:crypto';
import { postJson } from './post-json';
import type { GiosgState } from './giosg-state';
import type { AdminSaysInput, MessageResource } from './giosg-types';

export const SANDBOX_ADMIN = { id: 'sandbox-admin', name: 'Sandbox Admin' };
export const SANDBOX_AGENT = { id: 'sandbox-agent', name: 'Sandbox Agent' };

// A button press carries the value; giosg shows the button's label as the message text.
function buttonLabel(state: GiosgState, chatId: string, value: string): string | undefined {
  for (let i = state.timeline.length - 1; i >= 0; i--) {
    const m = state.timeline[i];
    if (m.chat_id !== chatId) continue;
    for (const a of m.attachments as { actions?: { text: string; value: string }[] }[]) {
      const hit = a.actions?.find((x) => x.value === value);
      if (hit) return hit.text;
    }
  }
  return undefined;
}

export function adminMessageEvent(state: GiosgState, o: AdminSaysInput): { resource: MessageResource; payload: object } {
  const chat = state.chat(o.chatId) ?? state.openChat({ id: o.chatId });
  const resource: MessageResource = {
    id: o.resourceId ?? randomUUID(),
    type: o.type ?? 'msg',
    chat_id: chat.id,
    room_id: chat.room_id,
    created_at: new Date().toISOString(),
    sender_type: 'user',
    sender_id: o.senderId ?? SANDBOX_ADMIN.id,
    sender_name: o.senderName ?? SANDBOX_ADMIN.name,
    message: o.text ?? (o.responseValue ? (buttonLabel(state, chat.id, o.responseValue) ?? o.responseValue) : ''),
    attachments: [],
    response_value: o.responseValue ?? null,
  };
  if (o.language !== undefined) resource.language = o.language;
  return {
    resource,
    payload: {
      channel: `/api/v5/users/${state.botUserId}/chats/${chat.id}/messages`,
      action: 'added',
      resource_id: resource.id,
      resource,
    },
  };
}

export function agentReplyBody(
  state: GiosgState,
  o: { channelId: string; threadId: string; chatId: string; text: string; messageId: string; attachments?: object[] },
): object {
  return {
    thread_id: o.threadId,
    chat_id: o.chatId,
    organization_id: state.orgId,
    channel_id: o.channelId,
    message: {
      id: o.messageId,
      text: o.text,
      sender_type: 'user',
      sender_name: SANDBOX_AGENT.name,
      created_at: new Date().toISOString(),
      ...(o.attachments && o.attachments.length > 0 ? { attachments: o.attachments } : {}),
    },
  };
}

export async function postWebhook(url: string, body: object): Promise<{ status: number }> {
  return { status: (await postJson(url, JSON.stringify(body))).status };
}
