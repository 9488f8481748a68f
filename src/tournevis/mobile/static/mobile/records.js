// The record screens of a visit: checklist (one input per item kind), time, expenses (with a receipt
// photo), parts (the van, the catalogue, a scanned label), photos, notes, follow-up, and the finish
// screen (outcome, the customer's signature over the report's hash, completion). Every change goes
// to the outbox (sync.js) and shows at once.

import * as store from "./db.js";
import { compress } from "./photo.js";
import { reportLines, reportSha256 } from "./report.js";
import { scanFile } from "./scan.js";
import { EDITABLE, notFound } from "./screens.js";
import { signaturePad } from "./signature.js";
import { dateTime, h, hhmm, money, t, time, toast, todayAt } from "./ui.js";

function header(visit, title, id) {
  return [
    h("a", { class: "back", href: `#/visit/${visit.id}` }, `← ${visit.work_order.number}`),
    h("h1", { id }, title),
  ];
}

function screen(id, visit, title, ...children) {
  return h("section", { class: "screen", id, dataset: { visit: visit.id } }, ...header(visit, title), ...children);
}

function pendingMark(row) {
  return row.pending ? h("span", { class: "waiting", title: t("waiting") }, " ⏳") : null;
}

async function photoSource(row) {
  const local = await store.getPhoto(row.client_id);
  if (local?.blob) return URL.createObjectURL(local.blob);
  return navigator.onLine ? row.url : null;
}

function thumb(row) {
  const img = h("img", { alt: row.caption || t("photo"), class: "thumb", loading: "lazy", dataset: { photo: row.client_id } });
  photoSource(row).then((src) => {
    if (src) img.src = src;
  });
  return img;
}

function photoInput(id, label) {
  return [h("label", { for: id, class: "button big file" }, label), h("input", { id, type: "file", accept: "image/*", capture: "environment", class: "visually-hidden" })];
}

async function takePhoto(ctx, visit, input, purpose, caption = "") {
  const file = input.files?.[0];
  if (!file) return null;
  try {
    const blob = await compress(file);
    return await ctx.sync.enqueuePhoto(visit.id, blob, { purpose, caption });
  } catch {
    toast(t("photo_unreadable"), "error");
    return null;
  }
}

// --- Checklist -------------------------------------------------------------------------------------

function answerText(item, result) {
  if (!result) return t("not_answered");
  if (item.kind === "check") return result.value === true ? t("yes") : t("no");
  if (item.kind === "choice") return item.choices.find((c) => c.value === result.value)?.label ?? result.value;
  if (item.kind === "photo") return t("photo_taken");
  return `${result.value}${item.unit ? ` ${item.unit}` : ""}`;
}

function checklistItem(ctx, visit, item) {
  const result = visit.records?.checklist_results?.[String(item.item_id)];
  const set = async (value, photo = null) => {
    const data = { item_id: item.item_id, value };
    if (photo) data.photo = photo;
    await ctx.sync.enqueue("checklist.set", visit.id, data, { match: result ? { item: item.item_id } : null });
    await ctx.render();
  };
  const id = `item-${item.item_id}`;
  const box = h(
    "li",
    { class: `item${result?.passed === false ? " failed" : ""}`, id, dataset: { kind: item.kind } },
    h("span", { class: "label" }, item.label, item.required ? h("span", { class: "required", title: t("required") }, " *") : null),
    h("span", { class: "answer" }, answerText(item, result), result?.passed === false ? ` — ${t("out_of_range")}` : "", result ? pendingMark(result) : null),
  );
  if (item.kind === "check") {
    box.append(
      h("div", { class: "choices" },
        h("button", { "aria-pressed": result?.value === true, onclick: () => set(true) }, t("yes")),
        h("button", { "aria-pressed": result?.value === false, onclick: () => set(false) }, t("no"))),
    );
  } else if (item.kind === "choice") {
    box.append(h("div", { class: "choices" }, item.choices.map((c) => h("button", { "aria-pressed": result?.value === c.value, onclick: () => set(c.value) }, c.label))));
  } else if (item.kind === "number" || item.kind === "text") {
    const input =
      item.kind === "number"
        ? h("input", { type: "text", inputmode: "decimal", id: `${id}-value`, value: result?.value ?? "", "aria-label": item.label })
        : h("textarea", { id: `${id}-value`, maxlength: 2000, "aria-label": item.label }, result?.value ?? "");
    const range = item.kind === "number" && (item.minimum !== null || item.maximum !== null) ? t("range", { min: item.minimum ?? "…", max: item.maximum ?? "…" }) : "";
    box.append(
      h("form", { class: "inline", onsubmit: (event) => { event.preventDefault(); const value = input.value.trim(); if (value) set(value); } },
        input, item.unit ? h("span", { class: "unit" }, item.unit) : null, h("button", { type: "submit" }, t("save"))),
      range ? h("small", {}, range) : null,
    );
  } else if (item.kind === "photo") {
    const [label, input] = photoInput(`${id}-photo`, t("take_photo"));
    input.addEventListener("change", async () => {
      const key = await takePhoto(ctx, visit, input, "checklist", item.label);
      if (key) await set(key, key);
    });
    box.append(label, input);
  }
  return box;
}

export function checklistScreen(ctx, visit) {
  const items = visit.checklist || [];
  return screen(
    "checklist",
    visit,
    t("checklist"),
    items.length ? h("ul", { class: "items" }, items.map((item) => checklistItem(ctx, visit, item))) : h("p", { class: "empty" }, t("no_checklist")),
  );
}

// --- Time ------------------------------------------------------------------------------------------

export function timeScreen(ctx, visit) {
  const rows = visit.records?.time_entries || [];
  const now = new Date();
  const start = visit.checked_in_at ? new Date(visit.checked_in_at) : new Date(now - 3600_000);
  const kind = h("select", { id: "time-kind" }, h("option", { value: "work" }, t("time.work")), h("option", { value: "travel" }, t("time.travel")));
  const from = h("input", { type: "time", id: "time-from", value: hhmm(start), required: true });
  const to = h("input", { type: "time", id: "time-to", value: hhmm(now), required: true });
  const note = h("input", { type: "text", id: "time-note", maxlength: 500 });
  const form = h(
    "form",
    {
      class: "stack",
      onsubmit: async (event) => {
        event.preventDefault();
        const startedAt = todayAt(from.value);
        const endedAt = todayAt(to.value);
        if (endedAt <= startedAt) return toast(t("end_after_start"), "error");
        await ctx.sync.enqueue("time.add", visit.id, { kind: kind.value, started_at: startedAt, ended_at: endedAt, note: note.value.trim() });
        await ctx.render();
      },
    },
    h("label", { for: "time-kind" }, t("kind")), kind,
    h("label", { for: "time-from" }, t("from")), from,
    h("label", { for: "time-to" }, t("to")), to,
    h("label", { for: "time-note" }, t("note")), note,
    h("button", { type: "submit", class: "primary big", id: "time-add" }, t("add_time")),
  );
  return screen(
    "time",
    visit,
    t("time"),
    h("ul", { class: "rows" }, rows.map((row) => h("li", {}, `${t(`time.${row.kind}`)} ${time(row.started_at)}–${time(row.ended_at)} ${row.note || ""}`, pendingMark(row)))),
    form,
  );
}

// --- Expenses --------------------------------------------------------------------------------------

const EXPENSE_KINDS = ["distance", "toll", "meal", "parking", "other"];

export function expensesScreen(ctx, visit) {
  const rows = visit.records?.expenses || [];
  const kind = h("select", { id: "expense-kind" }, EXPENSE_KINDS.map((k) => h("option", { value: k }, t(`expense.${k}`))));
  const amount = h("input", { type: "text", inputmode: "decimal", id: "expense-amount", placeholder: "0.00" });
  const distance = h("input", { type: "text", inputmode: "decimal", id: "expense-distance" });
  const note = h("input", { type: "text", id: "expense-note", maxlength: 500 });
  const [receiptLabel, receipt] = photoInput("expense-receipt", t("receipt_photo"));
  const form = h(
    "form",
    {
      class: "stack",
      onsubmit: async (event) => {
        event.preventDefault();
        const major = amount.value.trim().replace(",", ".") || "0";
        if (!/^\d+(\.\d{1,2})?$/.test(major)) return toast(t("bad_amount"), "error");
        const [units, cents = ""] = major.split(".");
        const data = { kind: kind.value, amount_minor: Number(units) * 100 + Number(cents.padEnd(2, "0")), note: note.value.trim() };
        if (kind.value === "distance") {
          const km = distance.value.trim().replace(",", ".");
          if (!/^\d+(\.\d+)?$/.test(km)) return toast(t("bad_distance"), "error");
          data.distance_km = km;
        }
        if (receipt.files?.length) {
          const key = await takePhoto(ctx, visit, receipt, "receipt", t(`expense.${kind.value}`));
          if (!key) return undefined;
          data.receipt = key;
        }
        await ctx.sync.enqueue("expense.add", visit.id, data);
        await ctx.render();
        return undefined;
      },
    },
    h("label", { for: "expense-kind" }, t("kind")), kind,
    h("label", { for: "expense-amount" }, t("amount")), amount,
    h("label", { for: "expense-distance" }, t("distance_km")), distance,
    h("label", { for: "expense-note" }, t("note")), note,
    receiptLabel, receipt,
    h("button", { type: "submit", class: "primary big", id: "expense-add" }, t("add_expense")),
  );
  return screen(
    "expenses",
    visit,
    t("expenses"),
    h("ul", { class: "rows" }, rows.map((row) => h("li", {}, `${t(`expense.${row.kind}`)} ${money(row.amount_minor, row.currency)}${row.distance_km ? ` · ${row.distance_km} km` : ""}${row.receipt ? " 🧾" : ""} ${row.note || ""}`, pendingMark(row)))),
    form,
  );
}

// --- Parts -----------------------------------------------------------------------------------------

function findPart(ctx, code) {
  const wanted = code.trim().toLowerCase();
  const all = [...(ctx.view.parts || []), ...(ctx.view.catalogue || [])];
  return all.find((p) => p.reference.toLowerCase() === wanted || (p.manufacturer_reference || "").toLowerCase() === wanted) || null;
}

export function partsScreen(ctx, visit) {
  const used = visit.records?.parts_used || [];
  let chosen = null;
  const code = h("input", { type: "text", id: "part-code", autocapitalize: "characters", autocomplete: "off" });
  const found = h("p", { id: "part-found", role: "status" });
  const quantity = h("input", { type: "text", inputmode: "decimal", id: "part-quantity", value: "1" });
  const serials = h("input", { type: "text", id: "part-serials", placeholder: t("serials_hint") });
  const show = () => {
    chosen = findPart(ctx, code.value);
    found.textContent = chosen ? `${chosen.reference} — ${chosen.name}` : code.value.trim() ? t("code_not_in_catalogue") : "";
  };
  code.addEventListener("input", show);
  const [scanLabel, scanInput] = photoInput("part-scan", t("scan_label"));
  scanInput.addEventListener("change", async () => {
    const file = scanInput.files?.[0];
    if (!file) return;
    try {
      const codes = await scanFile(file);
      if (!codes.length) return toast(t("no_code_found"), "error");
      code.value = codes[0];
      show();
    } catch {
      toast(t("scan_unavailable"), "error");
    }
    return undefined;
  });
  const choose = (part) => {
    code.value = part.reference;
    show();
    quantity.focus();
  };
  const form = h(
    "form",
    {
      class: "stack",
      onsubmit: async (event) => {
        event.preventDefault();
        const text = code.value.trim();
        const qty = quantity.value.trim().replace(",", ".");
        if (!text) return toast(t("choose_part"), "error");
        if (!/^\d+(\.\d+)?$/.test(qty) || Number(qty) <= 0) return toast(t("bad_quantity"), "error");
        const data = chosen ? { part_id: chosen.part_id } : { code: text };
        if (chosen && text.toLowerCase() !== chosen.reference.toLowerCase()) data.code = text;
        data.quantity = qty;
        data.serials = serials.value.split(",").map((s) => s.trim()).filter(Boolean);
        await ctx.sync.enqueue("part.use", visit.id, data, { local: chosen ? { reference: chosen.reference, name: chosen.name } : null });
        await ctx.render();
        return undefined;
      },
    },
    scanLabel, scanInput,
    h("label", { for: "part-code" }, t("part_code")), code, found,
    h("label", { for: "part-quantity" }, t("quantity")), quantity,
    h("label", { for: "part-serials" }, t("serials")), serials,
    h("button", { type: "submit", class: "primary big", id: "part-add" }, t("use_part")),
  );
  const remove = (row) =>
    h("button", { class: "small", onclick: async () => { await ctx.sync.enqueue("part.remove", visit.id, { client_id: row.client_id }); await ctx.render(); } }, t("remove"));
  const filter = h("input", { type: "search", id: "catalogue-filter", placeholder: t("search_catalogue") });
  const results = h("ul", { class: "rows", id: "catalogue" });
  filter.addEventListener("input", () => {
    const q = filter.value.trim().toLowerCase();
    results.replaceChildren(
      ...(q.length < 2 ? [] : (ctx.view.catalogue || []).filter((p) => `${p.reference} ${p.manufacturer_reference} ${p.name}`.toLowerCase().includes(q)).slice(0, 20).map((p) => h("li", {}, h("button", { class: "link", onclick: () => choose(p) }, `${p.reference} — ${p.name}`)))),
    );
  });
  return screen(
    "parts",
    visit,
    t("parts"),
    h("h2", {}, t("parts_used")),
    h("ul", { class: "rows", id: "parts-used" }, used.map((row) => h("li", { class: row.removed ? "removed" : "" }, `${row.quantity} × ${row.reference} ${row.name || ""}${row.serials?.length ? ` (${row.serials.join(", ")})` : ""}`, row.removed ? ` — ${t("removed")}` : "", pendingMark(row), row.removed || row.consumed ? null : remove(row)))),
    h("h2", {}, t("add_part")),
    form,
    h("h2", {}, t("my_van")),
    h("ul", { class: "rows", id: "van" }, (ctx.view.parts || []).map((p) => h("li", {}, h("button", { class: "link", onclick: () => choose(p) }, `${p.reference} — ${p.name}`), ` · ${p.available} ${p.unit || ""}`))),
    h("h2", {}, t("catalogue")),
    filter,
    results,
  );
}

// --- Photos, notes, follow-up ----------------------------------------------------------------------

export function photosScreen(ctx, visit) {
  const rows = (visit.records?.photos || []).filter((p) => p.purpose === "visit");
  const caption = h("input", { type: "text", id: "photo-caption", maxlength: 200 });
  const [label, input] = photoInput("photo-input", t("take_photo"));
  input.addEventListener("change", async () => {
    if (await takePhoto(ctx, visit, input, "visit", caption.value.trim())) await ctx.render();
  });
  return screen(
    "photos",
    visit,
    t("photos"),
    h("div", { class: "grid", id: "photo-grid" }, rows.map((row) => h("figure", {}, thumb(row), h("figcaption", {}, row.caption || "", pendingMark(row))))),
    h("label", { for: "photo-caption" }, t("caption")), caption,
    label, input,
  );
}

export function notesScreen(ctx, visit) {
  const rows = visit.records?.notes || [];
  const text = h("textarea", { id: "note-text", rows: 4, maxlength: 4000 });
  return screen(
    "notes",
    visit,
    t("notes"),
    h("ul", { class: "rows" }, rows.map((row) => h("li", {}, h("small", {}, dateTime(row.written_at)), h("span", { class: "line" }, row.text), pendingMark(row)))),
    h("form", { class: "stack", onsubmit: async (event) => { event.preventDefault(); if (!text.value.trim()) return; await ctx.sync.enqueue("note.add", visit.id, { text: text.value.trim() }); await ctx.render(); } },
      h("label", { for: "note-text" }, t("note")), text, h("button", { type: "submit", class: "primary big", id: "note-add" }, t("add_note"))),
  );
}

export function followUpScreen(ctx, visit) {
  const r = visit.records || {};
  const needed = h("input", { type: "checkbox", id: "follow-up-needed", checked: Boolean(r.follow_up_needed) });
  const reason = h("textarea", { id: "follow-up-reason", rows: 3, maxlength: 1000 }, r.follow_up_reason || "");
  return screen(
    "follow-up",
    visit,
    t("follow_up"),
    h("form", { class: "stack", onsubmit: async (event) => { event.preventDefault(); await ctx.sync.enqueue("visit.follow_up", visit.id, { needed: needed.checked, reason: reason.value.trim() }, { match: { visit: true } }); toast(t("saved")); await ctx.render(); } },
      h("label", { class: "check" }, needed, t("follow_up_needed")),
      h("label", { for: "follow-up-reason" }, t("follow_up_reason")), reason,
      h("button", { type: "submit", class: "primary big", id: "follow-up-save" }, t("save"))),
  );
}

// --- Sign and complete -----------------------------------------------------------------------------

export function finishScreen(ctx, visit) {
  const missing = (visit.checklist || []).filter((item) => item.required && !visit.records?.checklist_results?.[String(item.item_id)]);
  const fixedYes = h("input", { type: "radio", name: "fixed", id: "fixed-yes", value: "yes", checked: true });
  const fixedNo = h("input", { type: "radio", name: "fixed", id: "fixed-no", value: "no" });
  const outcome = h("textarea", { id: "outcome", rows: 3, maxlength: 2000 });
  const signer = h("input", { type: "text", id: "signer-name", maxlength: 200, autocomplete: "off" });
  const canvas = h("canvas", { id: "signature", class: "signature", "aria-label": t("signature") });
  let pad = null;
  requestAnimationFrame(() => {
    pad = signaturePad(canvas);
  });
  const complete = async () => {
    if (missing.length) return toast(t("checklist_missing"), "error");
    const fixed = fixedYes.checked;
    const text = outcome.value.trim();
    if (pad && !pad.isEmpty()) {
      const name = signer.value.trim();
      if (!name) return toast(t("signer_required"), "error");
      const hash = await reportSha256(reportLines(visit, { fixed, outcome: text }));
      await ctx.sync.enqueue("signature.add", visit.id, { signer_name: name, image: pad.png(), report_sha256: hash, fixed, outcome: text });
    }
    await ctx.sync.enqueue("visit.complete", visit.id, { fixed, outcome: text });
    location.hash = `#/visit/${visit.id}`;
    return undefined;
  };
  return screen(
    "finish",
    visit,
    t("sign_and_complete"),
    missing.length
      ? h("div", { class: "warning", role: "alert", id: "missing" }, t("checklist_missing"), h("ul", {}, missing.map((item) => h("li", {}, item.label))), h("a", { href: `#/visit/${visit.id}/checklist`, class: "button" }, t("checklist")))
      : null,
    h("fieldset", {}, h("legend", {}, t("fixed_question")), h("label", { class: "check" }, fixedYes, t("yes")), h("label", { class: "check" }, fixedNo, t("no"))),
    h("label", { for: "outcome" }, t("outcome")), outcome,
    h("h2", {}, t("signature")),
    h("label", { for: "signer-name" }, t("signer_name")), signer,
    canvas,
    h("button", { class: "small", onclick: () => pad?.clear() }, t("clear")),
    h("button", { class: "primary big", id: "complete", onclick: complete }, t("complete_visit")),
  );
}

export const RECORD_SCREENS = {
  checklist: checklistScreen,
  time: timeScreen,
  expenses: expensesScreen,
  parts: partsScreen,
  photos: photosScreen,
  notes: notesScreen,
  "follow-up": followUpScreen,
  finish: finishScreen,
};

export function recordScreen(ctx, id, name) {
  const visit = ctx.view.visits.find((v) => v.id === Number(id));
  const render = RECORD_SCREENS[name];
  if (!visit || !render) return notFound();
  if (!EDITABLE.has(visit.status)) {
    return h("section", { class: "screen" }, ...header(visit, t("visit_closed")), h("a", { class: "button", href: `#/visit/${visit.id}` }, t("back")));
  }
  return render(ctx, visit);
}
