// The report content a customer signs, built exactly as the server builds it
// (workorders/domain_records.py): one line per record, fields joined by "|", the lines sorted by
// the bytes of their UTF-8 text and joined by "\n"; the hash is the hex SHA-256 of that text.

const encoder = new TextEncoder();

function byUtf8(a, b) {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

// A number without exponent nor trailing zeros: "2", "0.5", "230.4" (Python's decimal_text).
export function decimalText(value) {
  const text = String(value).trim().replace(",", ".");
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) {
    const number = Number(text);
    return Number.isFinite(number) ? decimalText(number.toFixed(20)) : String(value);
  }
  const integer = match[2].replace(/^0+/, "") || "0";
  const fraction = (match[3] ?? "").replace(/0+$/, "");
  const out = fraction ? `${integer}.${fraction}` : integer;
  return match[1] === "-" && out !== "0" ? `-${out}` : out;
}

// "2026-11-24T08:05:00Z": UTC, whole seconds.
export function utcText(iso) {
  return new Date(iso).toISOString().slice(0, 19) + "Z";
}

export function valueText(kind, value) {
  if (kind === "check") return value === true ? "yes" : "no";
  if (kind === "number") return decimalText(value);
  return value === null || value === undefined ? "" : String(value);
}

// The lines of a visit's report (``visit``: the app's view of it), for the given outcome.
export function reportLines(visit, { fixed = null, outcome = "" } = {}) {
  const r = visit.records || {};
  const kinds = Object.fromEntries((visit.checklist || []).map((item) => [String(item.item_id), item.kind]));
  const lines = [`visit|${visit.id}`];
  for (const row of r.time_entries || []) lines.push(`time|${row.kind}|${utcText(row.started_at)}|${utcText(row.ended_at)}`);
  for (const row of r.parts_used || []) {
    if (row.removed) continue;
    const serials = [...(row.serials || [])].sort(byUtf8).join(",");
    lines.push(`part|${row.reference}|${decimalText(row.quantity)}|${serials}`);
  }
  for (const [item, result] of Object.entries(r.checklist_results || {})) {
    lines.push(`check|${item}|${valueText(kinds[item] || "text", result.value)}`);
  }
  for (const row of r.photos || []) if (row.purpose !== "receipt") lines.push(`photo|${row.client_id}`);
  for (const row of r.notes || []) lines.push(`note|${row.client_id}`);
  if (fixed !== null && fixed !== undefined) lines.push(`outcome|${fixed ? "fixed" : "not_fixed"}|${outcome}`);
  return lines.sort(byUtf8);
}

export async function reportSha256(lines) {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(lines.join("\n")));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
