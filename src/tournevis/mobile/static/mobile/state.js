// What the technician sees = the last day data the server sent (the snapshot) with the changes still
// waiting in the outbox applied on top, optimistically. An applied change is written into the
// snapshot too (with the server's answer: versions, statuses), so a reload offline shows the visit
// as checked in, with its records, until the next day data replaces it all.

import { decimalText } from "./report.js";

const STATUS_OF = {
  "visit.travel": "en_route",
  "visit.check_in": "on_site",
  "visit.pause": "paused",
  "visit.resume": "on_site",
  "visit.complete": "completed",
};

export function emptyDay() {
  return { visits: [], parts: [], catalogue: [], conflicts: [], technician: null, device: { last_seq: 0 } };
}

function findVisit(day, visitId) {
  return day.visits.find((visit) => visit.id === visitId);
}

function records(visit) {
  visit.records ??= {};
  const r = visit.records;
  for (const list of ["time_entries", "expenses", "parts_used", "photos", "notes", "signatures"]) r[list] ??= [];
  r.checklist_results ??= {};
  return r;
}

function upsert(list, record) {
  const index = list.findIndex((row) => row.client_id === record.client_id);
  if (index >= 0) list[index] = { ...list[index], ...record };
  else list.push(record);
}

function passed(item, value) {
  if (!item) return null;
  if (item.kind === "check") return value === true;
  if (item.kind !== "number") return null;
  const number = Number(String(value).replace(",", "."));
  if (item.minimum === null && item.maximum === null) return null;
  return (item.minimum === null || number >= Number(item.minimum)) && (item.maximum === null || number <= Number(item.maximum));
}

// Apply one outbox entry to the day (in place). ``pending``: the change is still waiting.
export function applyEntry(day, entry, pending) {
  const visit = findVisit(day, entry.visit_id);
  if (!visit) return;
  const r = records(visit);
  if (entry.kind === "photo") {
    upsert(r.photos, {
      client_id: entry.key,
      purpose: entry.purpose,
      caption: entry.caption,
      taken_at: entry.taken_at,
      url: null,
      pending,
    });
    return;
  }
  const data = entry.data || {};
  const base = { client_id: entry.key, pending };
  if (STATUS_OF[entry.op]) {
    visit.status = STATUS_OF[entry.op];
    if (entry.op === "visit.check_in" || entry.op === "visit.resume") visit.checked_in_at ??= entry.at;
    if (entry.op === "visit.complete") Object.assign(r, { fixed: data.fixed, outcome: data.outcome });
    visit.pending_status = pending;
    return;
  }
  switch (entry.op) {
    case "visit.follow_up":
      r.follow_up_needed = data.needed;
      r.follow_up_reason = data.reason;
      break;
    case "time.add":
      upsert(r.time_entries, { ...base, kind: data.kind, started_at: data.started_at, ended_at: data.ended_at, note: data.note });
      break;
    case "expense.add":
      upsert(r.expenses, { ...base, ...data, distance_km: data.distance_km ?? null, receipt: data.receipt ?? null });
      break;
    case "part.use":
      upsert(r.parts_used, {
        ...base,
        part_id: data.part_id ?? null,
        reference: entry.local?.reference ?? data.code ?? "",
        name: entry.local?.name ?? "",
        quantity: decimalText(data.quantity),
        serials: data.serials || [],
        scanned_code: data.code || "",
        removed: false,
      });
      break;
    case "part.remove": {
      const row = r.parts_used.find((part) => part.client_id === data.client_id);
      if (row) Object.assign(row, { removed: true, pending });
      break;
    }
    case "checklist.set": {
      const item = (visit.checklist || []).find((i) => i.item_id === data.item_id);
      const previous = r.checklist_results[String(data.item_id)];
      const value = item?.kind === "number" ? decimalText(data.value) : data.value;
      r.checklist_results[String(data.item_id)] = {
        value,
        passed: passed(item, value),
        version: previous ? previous.version + (pending ? 0 : 1) : 1,
        photo: data.photo ?? null,
        pending,
      };
      break;
    }
    case "note.add":
      upsert(r.notes, { ...base, text: data.text, author: "", written_at: entry.at });
      break;
    case "signature.add":
      upsert(r.signatures, { ...base, signer_name: data.signer_name, report_sha256: data.report_sha256 });
      break;
    default:
      break;
  }
}

// An operation the server applied: into the snapshot, with the server's record and visit state.
export function applyAnswer(day, entry, answer) {
  applyEntry(day, entry, false);
  const visit = findVisit(day, entry.visit_id);
  if (!visit) return;
  if (answer?.visit) Object.assign(visit, { version: answer.visit.version, status: answer.visit.status });
  visit.pending_status = false;
  const record = answer?.record;
  if (!record) return;
  const r = records(visit);
  if (entry.op === "checklist.set") {
    r.checklist_results[String(record.item_id ?? entry.data.item_id)] = { ...record, pending: false };
  } else if (record.client_id) {
    const list = { "time.add": r.time_entries, "expense.add": r.expenses, "part.use": r.parts_used, "part.remove": r.parts_used, "note.add": r.notes, "signature.add": r.signatures }[entry.op];
    if (list) upsert(list, { ...record, pending: false });
  }
}

// The snapshot with every waiting entry on top (a copy: the snapshot is not changed).
export function currentView(snapshot, waiting) {
  const day = structuredClone(snapshot || emptyDay());
  for (const entry of waiting) applyEntry(day, entry, true);
  return day;
}
