// Playground page script: polls our same-origin /playground/api (CSP connect-src 'self')
// and renders the three panes. No build step, no framework; text goes in through
// textContent only, so nothing a bot or customer writes can become markup.
'use strict';

(function () {
  const API = '/playground/api';
  const POLL_MS = 700;
  const lang = document.body.dataset.lang || 'en';
  const $ = (id) => document.getElementById(id);

  let strings = {};
  let overview = null;
  const chats = { list: [], selected: null, seen: new Set(), counts: new Map(), read: new Map(), firstLoad: true };
  // Which tenant pane 1 shows: null = the demo tenant, else an organization that installed the App.
  const tenants = { list: [], selected: null, rendered: '' };
  const tenantQuery = () => (tenants.selected ? '?tenant=' + encodeURIComponent(tenants.selected) : '');
  const withTenant = (body) => (tenants.selected ? Object.assign({ tenant: tenants.selected }, body) : body);
  const phone = { number: null, thread: null, cursor: 0, received: [], sent: [], marksCursor: 0, readIds: new Set(), typingAt: 0 };
  const notes = { thread: null, items: [] };
  // Meta shows "typing…" until the business's next message or for 25 seconds.
  const TYPING_MS = 25000;
  const umi = { cursor: 0, items: [] };

  function t(key, vars) {
    const raw = strings[key] !== undefined ? String(strings[key]) : key;
    return raw.replace(/\{\{(\w+)\}\}/g, (_, name) => (vars && vars[name] !== undefined ? String(vars[name]) : ''));
  }

  // en, fi and sv all plural the same way: one, or other.
  function tn(key, count, vars) {
    return t(key + (Number(count) === 1 ? '_one' : '_other'), Object.assign({ count: count }, vars));
  }

  async function api(path, body) {
    const init = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const res = await fetch(API + path, init);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const message = data && data.error && data.error.message ? data.error.message : 'HTTP ' + res.status;
      throw new Error(message);
    }
    return data;
  }

  let errorTimer = null;
  function showError(text) {
    const line = $('error-line');
    line.textContent = text;
    line.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => (line.hidden = true), 8000);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Links open in a new tab, as they do from a real giosg chat.
  function appendLinkified(parent, text) {
    const re = /https?:\/\/[^\s<>"']+/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      const url = m[0].replace(/[.,;:!?)]+$/, '');
      const a = el('a', 'msg-link', url);
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      parent.appendChild(a);
      last = m.index + url.length;
      re.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function timeOf(value) {
    const d = new Date(value);
    return isNaN(d.getTime()) ? '' : d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  async function withBusy(button, fn) {
    if (button) button.disabled = true;
    try {
      await fn();
    } catch (err) {
      showError(t('error_action', { detail: err.message }));
    } finally {
      if (button) button.disabled = false;
    }
  }

  function warnIfRefused(answer, key) {
    if (answer && answer.delivered === false) showError(t(key, { status: answer.webhookStatus }));
  }

  // ---- files (media both ways) ----

  const mediaStrings = () => $('media-strings').dataset;
  const fileCache = new Map();

  // A picture is shown inline (a data: URL from our API); any other file is a download link.
  function fileNode(path, name) {
    const box = el('div', 'file');
    box.dataset.file = name || '';
    const label = el('span', 'file-chip', name || '');
    box.appendChild(label);
    let got = fileCache.get(path);
    if (!got) {
      got = api(path);
      fileCache.set(path, got);
      got.catch(() => fileCache.delete(path));
    }
    got.then((f) => {
      if (!f.dataUrl) return;
      const type = String(f.mimeType || f.contentType || '');
      if (type.startsWith('image/')) {
        const img = el('img', 'file-image');
        img.alt = mediaStrings().pictureAlt;
        img.src = f.dataUrl;
        box.insertBefore(img, label);
      } else {
        const a = el('a', 'file-chip', name || f.fileName || '');
        a.href = f.dataUrl;
        a.download = name || f.fileName || 'file';
        box.replaceChild(a, label);
      }
    }, () => undefined);
    return box;
  }

  function readBase64(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result).split(',')[1] || '');
      r.onerror = () => reject(r.error || new Error('could not read the file'));
      r.readAsDataURL(file);
    });
  }

  function sendCustomerFile(kind, button) {
    const number = customerNumber();
    if (!/^\d{5,20}$/.test(number)) return showError(t('error_bad_number'));
    const input = $('phone-text');
    const caption = input.value.trim() || undefined;
    const name = $('customer-name').value.trim() || undefined;
    void withBusy(button, async () => {
      const answer = await api('/media/customer', { from: number, name: name, kind: kind, caption: caption });
      const label = kind === 'image' ? mediaStrings().sendPicture : mediaStrings().sendDocument;
      phone.sent.push({ number: number, text: caption || '', at: Date.now(), file: label });
      input.value = '';
      renderPhone();
      warnIfRefused(answer, 'error_meta_webhook_refused');
    });
  }

  $('phone-send-location').addEventListener('click', (e) => {
    const number = customerNumber();
    if (!/^\d{5,20}$/.test(number)) return showError(t('error_bad_number'));
    const name = $('customer-name').value.trim() || undefined;
    void withBusy(e.currentTarget, async () => {
      const answer = await api('/customer/send', { from: number, name: name, type: 'location', usernameOnly: usernameOnly() });
      phone.sent.push({ number: number, text: '', at: Date.now(), file: t('pg_location_sent') });
      renderPhone();
      warnIfRefused(answer, 'error_meta_webhook_refused');
    });
  });
  $('customer-username-only').addEventListener('change', () => void pollPhone());

  $('phone-send-picture').addEventListener('click', (e) => sendCustomerFile('image', e.currentTarget));
  $('phone-send-document').addEventListener('click', (e) => sendCustomerFile('document', e.currentTarget));

  // ---- pane 1: the admin's giosg chats ----

  function chatTitle(chat) {
    if (chat.kind === 'bot') return t('chat_bot');
    if (chat.kind === 'setup') return t('chat_setup');
    const team = chat.invitedTeams && chat.invitedTeams.length ? chat.invitedTeams.join(', ') : '';
    return team ? t('chat_alert_team', { team: team }) : t('chat_alert');
  }

  function renderTabs() {
    const box = $('chat-tabs');
    box.replaceChildren();
    for (const chat of chats.list) {
      const tab = el('button', 'chat-tab', chatTitle(chat));
      tab.type = 'button';
      tab.setAttribute('role', 'tab');
      tab.dataset.chatId = chat.id;
      tab.setAttribute('aria-selected', String(chat.id === chats.selected));
      const unread = (chats.counts.get(chat.id) || 0) - (chats.read.get(chat.id) || 0);
      if (chat.id !== chats.selected && unread > 0) tab.appendChild(el('span', 'unread', String(unread)));
      tab.addEventListener('click', () => selectChat(chat.id));
      box.appendChild(tab);
    }
  }

  function selectChat(id) {
    chats.selected = id;
    chats.read.set(id, chats.counts.get(id) || 0);
    chats.rendered = null;
    renderTabs();
    void refreshSelectedChat();
  }

  function renderMessage(m, chatId) {
    const li = el('li', 'msg ' + (m.fromBot ? 'from-bot' : 'from-admin'));
    li.dataset.messageId = m.id;
    li.appendChild(el('span', 'who', m.fromBot ? t('bot_name') : t('you')));
    const body = el('div', 'text');
    appendLinkified(body, m.text || '');
    li.appendChild(body);
    for (const a of m.attachments || []) {
      const box = el('div', 'attachment');
      if (a && a.text) appendLinkified(box.appendChild(el('div', 'attachment-text')), String(a.text));
      const actions = a && Array.isArray(a.actions) ? a.actions : [];
      if (actions.length) {
        const row = box.appendChild(el('div', 'actions'));
        for (const action of actions) {
          const b = el('button', 'action', String(action.text));
          b.type = 'button';
          b.dataset.value = String(action.value);
          b.addEventListener('click', () =>
            withBusy(b, async () => warnIfRefused(await api('/admin/say', withTenant({ chatId: chatId, responseValue: String(action.value), lang: lang })), 'error_bot_refused')),
          );
          row.appendChild(b);
        }
      }
      li.appendChild(box);
    }
    li.appendChild(el('span', 'when', timeOf(m.createdAt)));
    return li;
  }

  async function fetchChat(id) {
    const page = await api('/admin/chats/' + encodeURIComponent(id) + '/messages' + tenantQuery());
    chats.counts.set(id, page.items.length);
    return page.items;
  }

  async function refreshSelectedChat() {
    const id = chats.selected;
    if (!id) return;
    const items = await fetchChat(id);
    if (id !== chats.selected) return;
    chats.read.set(id, items.length);
    const list = $('admin-messages');
    const key = id + ':' + items.length;
    if (chats.rendered === key) return;
    chats.rendered = key;
    list.replaceChildren();
    if (!items.length) list.appendChild(el('li', 'empty', t('chat_empty')));
    for (const m of items) list.appendChild(renderMessage(m, id));
    list.scrollTop = list.scrollHeight;
  }

  function tenantTitle(tn) {
    if (tn.kind === 'demo') return t('tenant_demo', { name: tn.name });
    return t('tenant_app', { name: tn.name, state: t('lifecycle_' + tn.lifecycle) });
  }

  function renderTenants() {
    const key = JSON.stringify(tenants.list) + tenants.selected;
    if (key === tenants.rendered) return;
    tenants.rendered = key;
    const select = $('tenant-select');
    select.replaceChildren();
    for (const tn of tenants.list) {
      const option = el('option', '', tenantTitle(tn));
      option.value = tn.kind === 'demo' ? '' : tn.id;
      option.selected = (tn.kind === 'demo' ? null : tn.id) === tenants.selected;
      select.appendChild(option);
    }
    $('setup-values').hidden = tenants.selected === null;
  }

  function selectTenant(id) {
    tenants.selected = id || null;
    // Another organization's chats: start pane 1 afresh.
    Object.assign(chats, { list: [], selected: null, seen: new Set(), counts: new Map(), read: new Map(), firstLoad: true, rendered: null });
    $('admin-messages').replaceChildren();
    renderTenants();
    void pollAdmin().catch((err) => showError(t('error_poll', { detail: err.message })));
  }

  async function pollTenants() {
    tenants.list = (await api('/tenants')).tenants;
    renderTenants();
  }

  $('tenant-select').addEventListener('change', (e) => selectTenant(e.currentTarget.value));

  async function showMetaSide() {
    const side = await api('/app/meta-side');
    $('setup-waba').textContent = side.wabaId;
    $('setup-phone').textContent = side.phoneNumberId;
    $('setup-app-id').textContent = side.appId;
    $('setup-app-secret').textContent = side.appSecret || '';
  }

  $('install-app').addEventListener('click', (e) => withBusy(e.currentTarget, async () => {
    const done = await api('/app/install', {});
    await pollTenants();
    selectTenant(done.tenantId);
  }));

  async function pollAdmin() {
    const { chats: list } = await api('/admin/chats' + tenantQuery());
    chats.list = list;
    if (!list.length) return renderTabs();
    let fresh = null;
    for (const c of list) {
      if (!chats.seen.has(c.id)) {
        chats.seen.add(c.id);
        if (!chats.firstLoad) fresh = c.id;
      }
    }
    if (!chats.selected) chats.selected = list[0].id;
    // A new chat (the bot's alert to the admin team) pops up the way giosg shows an invitation.
    if (fresh) selectChat(fresh);
    chats.firstLoad = false;
    for (const c of list) if (c.id !== chats.selected) await fetchChat(c.id);
    await refreshSelectedChat();
    renderTabs();
  }

  $('admin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('admin-text');
    const text = input.value.trim();
    if (!text || !chats.selected) return;
    void withBusy(e.submitter, async () => {
      warnIfRefused(await api('/admin/say', withTenant({ chatId: chats.selected, text: text, lang: lang })), 'error_bot_refused');
      input.value = '';
    });
  });

  // ---- pane 2: the WhatsApp customer's phone ----

  function customerNumber() {
    return $('customer-number').value.replace(/[\s()+-]/g, '');
  }

  // A username-only customer shares no number: their giosg thread and replies use their
  // business-scoped user id, which the playground derives from the number (as the server does).
  function usernameOnly() {
    return $('customer-username-only').checked;
  }

  function customerThread() {
    return usernameOnly() ? 'FI.' + customerNumber() : customerNumber();
  }

  function renderPhone() {
    const list = $('phone-messages');
    const all = phone.sent
      .filter((m) => m.number === phone.number)
      .map((m) => ({ mine: true, text: m.text, at: m.at, id: 'c' + m.at, waId: m.id, sentFile: m.file }))
      .concat(phone.received.map((m) => ({ mine: false, text: m.text, at: m.at, id: m.id, media: m.media })))
      .sort((a, b) => a.at - b.at);
    list.replaceChildren();
    if (!all.length) list.appendChild(el('li', 'empty', t('phone_empty')));
    for (const m of all) {
      const li = el('li', 'msg ' + (m.mine ? 'from-customer' : 'to-customer'));
      li.dataset.messageId = m.id;
      if (!m.mine) li.appendChild(el('span', 'who', overview ? overview.phone.verifiedName : ''));
      if (m.media) li.appendChild(fileNode('/media/phone/' + encodeURIComponent(m.media.mediaId || ''), m.media.filename || m.media.kind));
      if (m.sentFile) li.appendChild(el('div', 'file-chip', m.sentFile));
      if (m.text) li.appendChild(el('div', 'text', m.text));
      li.appendChild(el('span', 'when', timeOf(m.at)));
      // A read mark covers the message it names and every earlier one, as in WhatsApp.
      if (m.mine) {
        const read = all.some((o) => o.mine && o.waId && phone.readIds.has(o.waId) && o.at >= m.at);
        const tick = el('span', read ? 'ticks read' : 'ticks', read ? '✓✓' : '✓');
        tick.title = read ? t('phone_read') : t('phone_sent');
        li.dataset.read = String(read);
        li.appendChild(tick);
      }
      list.appendChild(li);
    }
    const lastReceived = phone.received.length ? phone.received[phone.received.length - 1].at : 0;
    if (phone.typingAt > lastReceived && Date.now() - phone.typingAt < TYPING_MS) list.appendChild(el('li', 'typing', t('phone_typing')));
    list.scrollTop = list.scrollHeight;
  }

  async function pollReadMarks() {
    const page = await api('/customer/read-marks?since=' + phone.marksCursor);
    phone.marksCursor = page.next;
    for (const m of page.items) {
      phone.readIds.add(m.messageId);
      if (m.typing) phone.typingAt = Math.max(phone.typingAt, m.at);
    }
    return page.items.length > 0;
  }

  async function pollPhone() {
    const number = customerNumber();
    if (!/^\d{5,20}$/.test(number)) return;
    const thread = customerThread();
    if (thread !== phone.thread) {
      phone.thread = thread;
      phone.number = number;
      phone.cursor = 0;
      phone.received = [];
      renderPhone();
    }
    const page = await api('/customer/received?since=' + phone.cursor + '&to=' + encodeURIComponent(customerThread()));
    if (thread !== phone.thread) return;
    phone.cursor = page.next;
    const marked = await pollReadMarks();
    if (page.items.length) {
      phone.received.push(...page.items);
      // The phone shows the chat, so the customer has read what just arrived (blue ticks for the agent).
      await api('/customer/read', { from: number });
    }
    if (page.items.length || marked || phone.typingAt) renderPhone();
  }

  $('phone-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('phone-text');
    const text = input.value.trim();
    if (!text) return;
    const number = customerNumber();
    if (!/^\d{5,20}$/.test(number)) return showError(t('error_bad_number'));
    const name = $('customer-name').value.trim() || undefined;
    void withBusy(e.submitter, async () => {
      const answer = await api('/customer/send', { from: number, name: name, text: text, usernameOnly: usernameOnly() });
      phone.sent.push({ number: number, text: text, at: Date.now(), id: answer.messageId });
      input.value = '';
      renderPhone();
      warnIfRefused(answer, 'error_meta_webhook_refused');
    });
  });

  // ---- pane 3: operator, giosg agent and Meta ----

  function renderUmi() {
    const list = $('umi-messages');
    list.replaceChildren();
    if (!umi.items.length) list.appendChild(el('li', 'empty', t('inbox_empty')));
    for (const m of umi.items) {
      const li = el('li', 'umi');
      li.dataset.messageId = m.id;
      li.appendChild(el('span', 'who', (m.senderName || m.threadId) + ':'));
      li.appendChild(el('span', 'text', m.text));
      for (const a of m.attachments || []) li.appendChild(fileNode('/media/giosg/' + encodeURIComponent(a.uploadId), a.fileName));
      list.appendChild(li);
    }
    list.scrollTop = list.scrollHeight;
  }

  async function pollNotes() {
    const number = customerNumber();
    if (!/^\d{5,20}$/.test(number)) return;
    const thread = customerThread();
    const page = await api('/giosg/thread-notes?threadId=' + encodeURIComponent(thread));
    if (thread !== notes.thread || page.items.length !== notes.items.length) {
      notes.thread = thread;
      notes.items = page.items;
      const list = $('agent-notes');
      list.replaceChildren();
      for (const n of notes.items) list.appendChild(el('li', 'note', n.text));
    }
  }

  async function pollUmi() {
    const page = await api('/giosg/umi-messages?since=' + umi.cursor);
    if (page.next < umi.cursor) umi.items = [];
    umi.cursor = page.next;
    if (page.items.length || !umi.rendered) {
      umi.items.push(...page.items);
      umi.rendered = true;
      renderUmi();
    }
  }

  $('agent-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('agent-text');
    const text = input.value.trim();
    const fileInput = $('agent-file');
    const file = fileInput.files && fileInput.files[0];
    if (!text && !file) return;
    const number = customerNumber();
    if (!/^\d{5,20}$/.test(number)) return showError(t('error_bad_number'));
    void withBusy(e.submitter, async () => {
      if (file) {
        const body = { threadId: customerThread(), text: text, fileName: file.name, contentType: file.type || 'application/octet-stream', dataBase64: await readBase64(file) };
        warnIfRefused(await api('/media/agent', body), 'error_reply_refused');
        fileInput.value = '';
      } else {
        warnIfRefused(await api('/agent/reply', { threadId: customerThread(), text: text }), 'error_reply_refused');
      }
      input.value = '';
    });
  });

  function renderStatus(st) {
    const line = $('channel-status');
    const c = st.channel;
    if (!c) {
      line.textContent = t('channel_not_installed');
      line.className = 'status-line';
    } else if (c.paused) {
      const reasonKey = 'channel_reason_' + (c.incidentKind || 'other');
      const reason = strings[reasonKey] !== undefined ? t(reasonKey) : t('channel_reason_other');
      line.textContent = tn('channel_paused', c.queued, { reason: reason });
      line.className = 'status-line bad';
    } else {
      line.textContent = c.queued > 0 ? tn('channel_sending_queued', c.queued) : t('channel_ok');
      line.className = 'status-line good';
    }
    line.dataset.paused = c ? String(c.paused) : '';
    line.dataset.queued = c ? String(c.queued) : '';

    const tokens = $('token-list');
    tokens.replaceChildren();
    for (const tk of st.meta.tokens) {
      const li = el('li', tk.status, t('token_line', { fingerprint: tk.fingerprint, status: t('token_status_' + tk.status) }));
      li.dataset.status = tk.status;
      tokens.appendChild(li);
    }
    $('meta-mode').textContent = t('meta_mode_now', { mode: t('mode_' + st.meta.mode) });
    for (const b of document.querySelectorAll('.modes button')) b.setAttribute('aria-pressed', String(b.dataset.mode === st.meta.mode));
  }

  async function pollStatus() {
    renderStatus(await api('/status' + tenantQuery()));
  }

  $('expire-token').addEventListener('click', (e) => withBusy(e.currentTarget, async () => {
    await api('/meta/expire', {});
    await pollStatus();
  }));

  // Meta's clock jumps a day for this customer: the next free-form reply is refused (131047),
  // held, and the re-engagement template goes to the phone instead.
  $('age-conversation').addEventListener('click', (e) => withBusy(e.currentTarget, async () => {
    const number = customerNumber();
    if (!/^\d{5,20}$/.test(number)) return showError(t('error_bad_number'));
    warnIfRefused(await api('/customer/age', { from: number, hours: 25 }), 'error_age_refused');
  }));

  for (const b of document.querySelectorAll('.modes button')) {
    b.addEventListener('click', () => withBusy(b, async () => {
      await api('/meta/mode', { mode: b.dataset.mode });
      await pollStatus();
    }));
  }

  $('mint-token').addEventListener('click', (e) => withBusy(e.currentTarget, async () => {
    const { token } = await api('/meta/mint', {});
    $('minted-token').value = token;
    $('minted').hidden = false;
    $('copy-done').hidden = true;
    $('minted-token').select();
  }));

  $('copy-token').addEventListener('click', async () => {
    const field = $('minted-token');
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      // Without clipboard permission the selected text can still be copied by hand.
      document.execCommand && document.execCommand('copy');
    }
    $('copy-done').hidden = false;
  });

  // ---- start ----

  async function pollOnce() {
    const steps = [pollTenants, pollAdmin, pollPhone, pollUmi, pollNotes, pollStatus];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        showError(t('error_poll', { detail: err.message }));
      }
    }
  }

  async function loop() {
    await pollOnce();
    setTimeout(loop, POLL_MS);
  }

  async function start() {
    const s = await api('/strings?lang=' + encodeURIComponent(lang));
    strings = s.strings || {};
    overview = await api('/overview');
    $('phone-business').textContent = overview.phone.verifiedName;
    $('phone-number').textContent = overview.phone.display;
    await showMetaSide();
    document.body.dataset.ready = 'true';
    void loop();
  }

  start().catch((err) => showError(String(err && err.message ? err.message : err)));
})();
