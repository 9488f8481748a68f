// The app's reading screens: the day (visits in route order), a visit (work order, site, contact,
// object, history, status steps, the record screens' menu), the conflicts, the account (log out).

import * as store from "./db.js";
import { scanFile } from "./scan.js";
import { accessHours, dateTime, dayLabel, h, statusLabel, t, time, toast } from "./ui.js";

export const EDITABLE = new Set(["dispatched", "en_route", "on_site", "paused"]);

function visitOf(ctx, id) {
  return ctx.view.visits.find((visit) => visit.id === Number(id));
}

export function notFound() {
  return h("section", { class: "screen" }, h("h1", {}, t("visit_not_found")), h("a", { class: "button", href: "#/" }, t("back_to_day")));
}

// --- The day ---------------------------------------------------------------------------------------

export function dayScreen(ctx) {
  const visits = ctx.view.visits;
  const screen = h("section", { class: "screen", id: "day" }, h("h1", {}, t("my_visits")));
  if (!visits.length) {
    screen.append(h("p", { class: "empty" }, ctx.synced ? t("no_visits") : t("not_synced_yet")));
    return screen;
  }
  let lastDay = null;
  let list = null;
  for (const visit of visits) {
    const label = dayLabel(visit.planned_start);
    if (label !== lastDay) {
      lastDay = label;
      list = h("ul", { class: "visits" });
      screen.append(h("h2", {}, label || t("not_planned")), list);
    }
    const order = visit.work_order;
    list.append(
      h(
        "li",
        {},
        h(
          "a",
          { class: `visit-card status-${visit.status}`, href: `#/visit/${visit.id}`, dataset: { visit: visit.id } },
          h("span", { class: "when" }, `${time(visit.planned_start)}–${time(visit.planned_end)}`),
          h("span", { class: "chip" }, statusLabel(visit.status), visit.pending_status ? " ⏳" : ""),
          h("strong", {}, `${order.number} · ${order.title}`),
          h("span", { class: "where" }, `${visit.customer.name} — ${visit.site.name}`),
        ),
      ),
    );
  }
  return screen;
}

// --- A visit ---------------------------------------------------------------------------------------

function stepButton(ctx, visit, op, label, extra = {}) {
  return h(
    "button",
    {
      class: extra.primary ? "primary big" : "big",
      id: `step-${op.replace("visit.", "").replace("_", "-")}`,
      onclick: async () => {
        let data = {};
        if (op === "visit.pause") {
          const reason = document.getElementById("pause-reason")?.value.trim() || "";
          data = { reason };
        }
        await ctx.sync.enqueue(op, visit.id, data);
        await ctx.render();
      },
    },
    label,
  );
}

function steps(ctx, visit) {
  const box = h("div", { class: "steps" });
  switch (visit.status) {
    case "dispatched":
      box.append(stepButton(ctx, visit, "visit.travel", t("start_travel")), stepButton(ctx, visit, "visit.check_in", t("check_in"), { primary: true }));
      break;
    case "en_route":
      box.append(stepButton(ctx, visit, "visit.check_in", t("check_in"), { primary: true }));
      break;
    case "on_site":
      box.append(
        h("label", { for: "pause-reason" }, t("pause_reason")),
        h("input", { id: "pause-reason", type: "text", maxlength: 300 }),
        stepButton(ctx, visit, "visit.pause", t("pause")),
      );
      break;
    case "paused":
      box.append(stepButton(ctx, visit, "visit.resume", t("resume"), { primary: true }));
      break;
    case "planned":
      box.append(h("p", {}, t("not_dispatched")));
      break;
    default:
      break;
  }
  return box;
}

function checklistProgress(visit) {
  const items = visit.checklist || [];
  const answered = items.filter((item) => visit.records?.checklist_results?.[String(item.item_id)]).length;
  return `${answered}/${items.length}`;
}

function menu(visit) {
  const r = visit.records || {};
  const entry = (path, label, count) =>
    h("a", { class: "menu-item", href: `#/visit/${visit.id}/${path}`, id: `menu-${path}` }, h("span", {}, label), count !== undefined ? h("span", { class: "count" }, count) : null);
  return h(
    "nav",
    { class: "menu", "aria-label": t("records") },
    entry("checklist", t("checklist"), checklistProgress(visit)),
    entry("time", t("time"), (r.time_entries || []).length),
    entry("expenses", t("expenses"), (r.expenses || []).length),
    entry("parts", t("parts"), (r.parts_used || []).filter((p) => !p.removed).length),
    entry("photos", t("photos"), (r.photos || []).filter((p) => p.purpose === "visit").length),
    entry("notes", t("notes"), (r.notes || []).length),
    entry("follow-up", t("follow_up"), r.follow_up_needed ? "✓" : ""),
    visit.status === "on_site" || visit.status === "paused" ? entry("finish", t("sign_and_complete")) : null,
  );
}

function field(label, ...value) {
  const shown = value.filter((v) => v !== null && v !== undefined && v !== "");
  if (!shown.length) return null;
  return [h("dt", {}, label), h("dd", {}, ...shown)];
}

// Scan the equipment's label (a photo of it, decoded on the phone, offline too): is it this visit's
// object, or one of its parts in the tree? Matched on the serial number, else the label's text.
export function labelMatch(object, code) {
  const wanted = code.trim().toUpperCase();
  const same = (item) => [item.serial, item.label].some((v) => v && v.trim().toUpperCase() === wanted);
  return [object, ...(object.children || [])].find(same) || null;
}

function objectCheck(object) {
  const result = h("p", { id: "object-check", role: "status" });
  const input = h("input", { id: "object-scan", type: "file", accept: "image/*", capture: "environment", class: "visually-hidden" });
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    let codes;
    try {
      codes = await scanFile(file);
    } catch {
      toast(t("scan_unavailable"), "error");
      return;
    }
    if (!codes.length) {
      toast(t("no_code_found"), "error");
      return;
    }
    const found = codes.map((code) => labelMatch(object, code)).find(Boolean);
    result.className = found ? "ok" : "bad";
    result.textContent = found
      ? `✓ ${t("label_matches", { label: found.label })}`
      : `✗ ${t("label_elsewhere", { code: codes[0], label: object.label })}`;
  });
  return [h("label", { for: "object-scan", class: "button big file" }, t("scan_object")), input, result];
}

export function visitScreen(ctx, id) {
  const visit = visitOf(ctx, id);
  if (!visit) return notFound();
  const order = visit.work_order;
  const site = visit.site;
  const contact = visit.contact;
  const object = visit.object;
  const screen = h(
    "section",
    { class: "screen", id: "visit", dataset: { visit: visit.id } },
    h("a", { class: "back", href: "#/" }, `← ${t("back_to_day")}`),
    h("h1", {}, `${order.number} · ${order.title}`),
    h("p", {}, h("span", { class: `chip status-${visit.status}`, id: "visit-status" }, statusLabel(visit.status)), visit.pending_status ? h("span", { class: "waiting" }, ` ⏳ ${t("waiting")}`) : null),
    steps(ctx, visit),
    EDITABLE.has(visit.status) ? menu(visit) : null,
    visit.status === "completed" ? h("p", { class: "done" }, visit.records?.fixed ? t("completed_fixed") : t("completed_not_fixed")) : null,
    h(
      "dl",
      { class: "facts" },
      field(t("planned"), `${dateTime(visit.planned_start)} – ${time(visit.planned_end)}`),
      field(t("priority"), order.priority),
      field(t("ticket"), order.ticket_number),
      field(t("deadline"), order.onsite_deadline ? dateTime(order.onsite_deadline) : ""),
      field(t("customer"), visit.customer.name),
      field(
        t("site"),
        site.name,
        ...(site.address_lines || []).map((line) => h("span", { class: "line" }, line)),
        site.geo_uri ? h("a", { href: site.geo_uri, class: "button small" }, t("open_map")) : null,
      ),
      field(t("access"), site.access_notes, accessHours(site.access_hours) ? h("span", { class: "line" }, accessHours(site.access_hours)) : null),
      contact
        ? field(
            t("contact"),
            contact.name,
            contact.tel ? h("a", { href: contact.tel, class: "button small" }, `☎ ${contact.phone}`) : null,
            contact.email ? h("a", { href: `mailto:${contact.email}`, class: "line" }, contact.email) : null,
          )
        : null,
      object
        ? field(
            t("object"),
            [...(object.ancestors || []).map((a) => `${a.label} › `), object.label].join(""),
            object.serial ? h("span", { class: "line" }, `${t("serial")} ${object.serial}`) : null,
            object.model ? h("span", { class: "line" }, object.model) : null,
            object.category ? h("span", { class: "line" }, object.category) : null,
          )
        : null,
      field(t("description"), order.description),
    ),
    object ? objectCheck(object) : null,
  );
  if (visit.history?.length) {
    screen.append(
      h(
        "details",
        {},
        h("summary", {}, t("history")),
        h("ul", { class: "plain" }, visit.history.map((entry) => h("li", {}, `${dateTime(entry.at)} — ${entry.summary}`))),
      ),
    );
  }
  if (visit.previous_reports?.length) {
    screen.append(
      h(
        "details",
        {},
        h("summary", {}, t("previous_reports")),
        h("ul", { class: "plain" }, visit.previous_reports.map((r) => h("li", {}, h("a", { href: r.url }, `${r.date} — ${r.number}`)))),
      ),
    );
  }
  return screen;
}

// --- Conflicts -------------------------------------------------------------------------------------

export async function conflictsScreen(ctx) {
  const notices = await store.getMeta("notices", []);
  const conflicts = ctx.view.conflicts || [];
  const screen = h("section", { class: "screen", id: "conflicts" }, h("h1", {}, t("conflicts")));
  if (!conflicts.length && !notices.length) screen.append(h("p", { class: "empty" }, t("no_conflicts")));
  const list = h("ul", { class: "conflicts" });
  for (const conflict of conflicts) {
    list.append(
      h(
        "li",
        { class: "conflict", dataset: { conflict: conflict.id, reason: conflict.reason } },
        h("strong", {}, t(`reason.${conflict.reason}`)),
        h("span", { class: "line" }, `${conflict.visit_label || ""} · ${t(`op.${conflict.op}`)}`),
        conflict.message ? h("span", { class: "line" }, conflict.message) : null,
        h("button", { onclick: async () => (await ctx.sync.markSeen(conflict.id)) ? ctx.render() : alert(t("needs_network")) }, t("seen")),
      ),
    );
  }
  for (const notice of notices) {
    list.append(
      h(
        "li",
        { class: `conflict notice-${notice.kind}`, dataset: { notice: notice.kind } },
        h("strong", {}, notice.kind === "conflict" ? t("not_applied") : t("refused")),
        h("span", { class: "line" }, `${t(`op.${notice.op}`)} · ${dateTime(notice.at)}`),
        notice.message ? h("span", { class: "line" }, notice.message) : null,
        h("button", { onclick: async () => { await ctx.sync.dismissNotice(notice.local_id); await ctx.render(); } }, t("dismiss")),
      ),
    );
  }
  screen.append(list);
  return screen;
}

// --- Account ---------------------------------------------------------------------------------------

function submitLogout(ctx) {
  const form = h(
    "form",
    { method: "post", action: ctx.config.logout_url },
    h("input", { type: "hidden", name: "csrfmiddlewaretoken", value: (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "" }),
  );
  document.body.append(form);
  form.submit();
}

// The language switch posts to Django's set_language (the cookie the back office uses too); the shell
// is fetched again (network first), with its strings in the new language.
function languageForm(ctx) {
  const token = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
  const choices = [["en", "English"], ["fr", "Français"]].map(([code, name]) =>
    h("button", { class: "big", type: "submit", name: "language", value: code, lang: code, "aria-pressed": String(ctx.config.language === code) }, name),
  );
  return h(
    "form",
    { method: "post", action: ctx.config.language_url, class: "language", "aria-label": t("language") },
    h("input", { type: "hidden", name: "csrfmiddlewaretoken", value: decodeURIComponent(token) }),
    h("input", { type: "hidden", name: "next", value: `${ctx.config.scope}#/account` }),
    ...choices,
  );
}

export async function accountScreen(ctx) {
  const pending = await ctx.sync.pending();
  const warning = h("div", { class: "warning", id: "logout-warning", role: "alert", hidden: true });
  const logout = async () => {
    const waiting = await ctx.sync.pending(); // now, not when the screen was drawn
    if (waiting > 0 && warning.hidden) {
      warning.hidden = false;
      const rule = new Intl.PluralRules(ctx.config.language).select(waiting);
      warning.textContent = t(rule === "one" ? "logout_warning_one" : "logout_warning", { n: waiting });
      logoutButton.textContent = t("logout_anyway");
      return;
    }
    await store.wipe();
    submitLogout(ctx);
  };
  const logoutButton = h("button", { class: "danger big", id: "logout", onclick: logout }, t("logout"));
  return h(
    "section",
    { class: "screen", id: "account" },
    h("h1", {}, t("account")),
    h("dl", { class: "facts" }, field(t("signed_in_as"), ctx.config.user), field(t("device"), ctx.config.device_id.slice(0, 8)), field(t("waiting_changes"), String(pending))),
    h("button", { class: "big", id: "sync-now", onclick: () => ctx.sync.flush() }, t("sync_now")),
    h("h2", {}, t("language")),
    languageForm(ctx),
    warning,
    logoutButton,
  );
}
