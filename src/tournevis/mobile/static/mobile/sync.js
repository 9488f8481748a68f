// The outbox and its replay (docs/contexts/mobile.md, "The app"): every change is an outbox entry
// (an operation with its key — sent as Idempotency-Key —, its sequence number, the device time; or a
// photo, uploaded before the operations that name it). The entries are replayed in order when the
// network comes back and on a timer: a network error, a 5xx, 401/403/408/429 stop the replay (it is
// tried again later, nothing is lost); a sequence gap (409 naming "seq") resends from the number the
// server expects; a conflict or a refused entry leaves the outbox and is shown to the technician.

import * as store from "./db.js";
import { applyAnswer, currentView, emptyDay } from "./state.js";
import { uuid } from "./ui.js";

const RETRY_MS = 30_000;
const STOP_STATUSES = new Set([401, 403, 408, 425, 429]);

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function problemField(body) {
  return body?.errors?.[0]?.field ?? null;
}

export class Sync {
  constructor(config, onChange) {
    this.config = config;
    this.onChange = onChange;
    this.running = null;
    this.state = "idle"; // idle | syncing | offline | signed_out | error
  }

  headers(extra = {}) {
    return { "X-Device-Id": this.config.device_id, "X-CSRFToken": csrfToken(), ...extra };
  }

  // --- Local state ---------------------------------------------------------------------------------

  async view() {
    const snapshot = await store.getMeta("day", emptyDay());
    return currentView(snapshot, await store.entries());
  }

  async pending() {
    return store.countEntries();
  }

  // Queue an operation. ``match``: where If-Match comes from, read when the entry is first sent
  // ({visit: true} or {item: id}), so that this device's own earlier changes do not count as a conflict.
  async enqueue(op, visitId, data, { match = null, local = null } = {}) {
    const entry = await store.addOperation({
      kind: "op",
      key: uuid(),
      op,
      visit_id: visitId,
      at: new Date().toISOString(),
      data,
      if_match: null,
      match,
      local,
    });
    this.changed();
    this.soon();
    return entry;
  }

  async enqueuePhoto(visitId, blob, { purpose = "visit", caption = "" } = {}) {
    const key = uuid();
    const takenAt = new Date().toISOString();
    await store.addPhoto(
      { client_id: key, visit_id: visitId, blob, purpose, caption, taken_at: takenAt },
      { kind: "photo", key, visit_id: visitId, purpose, caption, taken_at: takenAt },
    );
    this.changed();
    this.soon();
    return key;
  }

  changed() {
    this.onChange?.();
  }

  soon() {
    clearTimeout(this.soonTimer);
    this.soonTimer = setTimeout(() => this.flush(), 50);
  }

  start() {
    window.addEventListener("online", () => this.flush());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.flush();
    });
    setInterval(() => this.flush(), RETRY_MS);
    return this.flush();
  }

  // --- Replay --------------------------------------------------------------------------------------

  flush() {
    this.running ??= this.replay().finally(() => {
      this.running = null;
      this.changed();
    });
    return this.running;
  }

  setState(state) {
    this.state = state;
    this.changed();
  }

  async replay() {
    this.setState("syncing");
    for (let guard = 0; guard < 10_000; guard++) {
      const [entry] = await store.entries();
      if (!entry) break;
      const verdict = entry.kind === "photo" ? await this.sendPhoto(entry) : await this.sendOperation(entry);
      if (verdict !== "next") return;
    }
    await this.refresh();
  }

  async sendPhoto(entry) {
    const photo = await store.getPhoto(entry.key);
    if (!photo) {
      await store.removeEntry(entry.id);
      return "next";
    }
    const query = new URLSearchParams({ purpose: entry.purpose, caption: entry.caption || "", taken_at: entry.taken_at });
    const url = `${this.config.api}/visits/${entry.visit_id}/photos/${entry.key}?${query}`;
    let response;
    try {
      response = await fetch(url, { method: "PUT", headers: this.headers({ "Content-Type": "image/jpeg" }), body: photo.blob });
    } catch {
      return this.stop("offline");
    }
    if (response.ok) {
      await store.removeEntry(entry.id);
      return "next";
    }
    const body = await response.json().catch(() => ({}));
    if (response.status >= 500 || STOP_STATUSES.has(response.status)) return this.stop(response.status === 401 ? "signed_out" : "error");
    await this.notice({ kind: "rejected", op: "photo", visit_id: entry.visit_id, message: body.detail || response.statusText });
    await store.removeEntry(entry.id);
    return "next";
  }

  async resolveIfMatch(entry) {
    if (!entry.match || entry.if_match !== null) return entry;
    const snapshot = await store.getMeta("day", emptyDay());
    const visit = snapshot.visits.find((v) => v.id === entry.visit_id);
    let version = null;
    if (entry.match.visit) version = visit?.version ?? null;
    else if (entry.match.item) version = visit?.records?.checklist_results?.[String(entry.match.item)]?.version ?? null;
    entry.if_match = version === null ? "" : `"${version}"`;
    await store.putEntry(entry);
    return entry;
  }

  async sendOperation(original) {
    const entry = await this.resolveIfMatch(original);
    const headers = this.headers({ "Content-Type": "application/json", "Idempotency-Key": entry.key });
    if (entry.if_match) headers["If-Match"] = entry.if_match;
    const body = JSON.stringify({ seq: entry.seq, op: entry.op, visit_id: entry.visit_id, at: entry.at, data: entry.data });
    let response;
    try {
      response = await fetch(`${this.config.api}/ops`, { method: "POST", headers, body });
    } catch {
      return this.stop("offline");
    }
    if (response.status >= 500 || STOP_STATUSES.has(response.status)) return this.stop(response.status === 401 ? "signed_out" : "error");
    const answer = await response.json().catch(() => ({}));
    if (response.status === 409 && problemField(answer) === "seq") return this.gap(entry, answer);
    const snapshot = await store.getMeta("day", emptyDay());
    if (response.ok && answer.result === "conflict") {
      const conflict = answer.conflict || {};
      await this.notice({ kind: "conflict", op: entry.op, visit_id: entry.visit_id, message: conflict.message || conflict.reason, id: conflict.id });
    } else if (response.ok) {
      applyAnswer(snapshot, entry, answer);
      await store.setMeta("day", snapshot);
    } else {
      await this.notice({ kind: "rejected", op: entry.op, visit_id: entry.visit_id, message: answer.detail || response.statusText });
    }
    await store.raiseSeq(entry.seq);
    await store.removeEntry(entry.id);
    return "next";
  }

  // 409 naming "seq": the server expects another number (a gap: an earlier one never arrived; or
  // this number went to another operation). None of the waiting operations was applied (they are
  // sent in order, and one applied is answered again for its key), so they are renumbered from
  // the expected one and the replay goes on.
  async gap(entry, answer) {
    const expected = Number(answer.expected);
    if (!Number.isInteger(expected) || expected < 1 || expected === entry.seq) return this.stop("error");
    await store.renumber(expected);
    return "next";
  }

  stop(state) {
    this.setState(state);
    return "stop";
  }

  async notice(notice) {
    const notices = await store.getMeta("notices", []);
    notices.push({ ...notice, at: new Date().toISOString(), local_id: uuid() });
    await store.setMeta("notices", notices);
  }

  async dismissNotice(localId) {
    const notices = await store.getMeta("notices", []);
    await store.setMeta("notices", notices.filter((n) => n.local_id !== localId));
    this.changed();
  }

  // The day data, fetched once the outbox is empty (the server's view is then the truth).
  async refresh() {
    if ((await store.countEntries()) > 0) return this.setState("idle");
    let response;
    try {
      response = await fetch(`${this.config.api}/day?days=3`, { headers: this.headers(), cache: "no-store" });
    } catch {
      return this.setState("offline");
    }
    if (response.status === 401) return this.setState("signed_out");
    if (!response.ok) return this.setState(response.status === 503 ? "offline" : "error");
    const day = await response.json();
    if ((await store.countEntries()) > 0) return this.setState("idle"); // a change came in meanwhile
    if (response.headers.get("X-From-Cache")) {
      // The worker's copy (no network): older than the snapshot unless there is none yet.
      if (!(await store.getMeta("day"))) await store.setMeta("day", day);
      return this.setState("offline");
    }
    await store.raiseSeq(day.device?.last_seq || 0);
    await store.setMeta("day", day);
    // The server lists the conflicts not seen yet: the local notes of them are no longer needed.
    const notices = await store.getMeta("notices", []);
    await store.setMeta("notices", notices.filter((n) => n.kind !== "conflict"));
    await store.setMeta("last_sync", new Date().toISOString());
    this.setState("idle");
  }

  async markSeen(conflictId) {
    const response = await fetch(`${this.config.api}/conflicts/${conflictId}/seen`, {
      method: "POST",
      headers: this.headers({ "Content-Type": "application/json" }),
      body: "{}",
    }).catch(() => null);
    if (!response?.ok) return false;
    const snapshot = await store.getMeta("day", emptyDay());
    snapshot.conflicts = (snapshot.conflicts || []).filter((c) => c.id !== conflictId);
    await store.setMeta("day", snapshot);
    this.changed();
    return true;
  }
}
