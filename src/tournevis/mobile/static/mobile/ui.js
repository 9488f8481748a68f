// Small DOM helpers shared by the screens: an element builder, the translated strings (sent by the
// server in the user's language: the FR/EN catalogues stay the single source), date formatting.

let STRINGS = {};
let LANGUAGE = "en";

export function setStrings(strings, language) {
  STRINGS = strings || {};
  // Dates and numbers in the phone's regional variant of the user's language (en-GB, fr-CA…).
  const wanted = language || "en";
  LANGUAGE = (navigator.languages || []).find((tag) => tag.split("-")[0] === wanted) || wanted;
}

export function language() {
  return LANGUAGE;
}

// t("key", {n: 2}) → the string with %(n)s replaced.
export function t(key, params = {}) {
  const text = STRINGS[key] ?? key;
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ""));
}

// h("button", {class: "primary", onclick}, "Text", child…): children may be strings, nodes, arrays, null.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else if (name === "value" && "value" in el) {
      el.value = value;
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function time(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(LANGUAGE, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

export function dayLabel(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(LANGUAGE, { weekday: "long", day: "numeric", month: "long" }).format(
    new Date(iso),
  );
}

export function dateTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(LANGUAGE, { dateStyle: "short", timeStyle: "short" }).format(new Date(iso));
}

export function money(minor, currency) {
  try {
    return new Intl.NumberFormat(LANGUAGE, { style: "currency", currency: currency || "EUR" }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency || ""}`;
  }
}

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

// A site's access hours ({"mon": [["08:00", "12:00"]], …}) as "Mon 08:00–12:00; Tue …".
export function accessHours(hours) {
  if (!hours || typeof hours !== "object") return "";
  const name = new Intl.DateTimeFormat(LANGUAGE, { weekday: "short" });
  return WEEKDAYS.filter((day) => hours[day]?.length)
    .map((day) => {
      const monday = new Date(2024, 0, 1 + WEEKDAYS.indexOf(day));
      return `${name.format(monday)} ${hours[day].map(([from, to]) => `${from}–${to}`).join(", ")}`;
    })
    .join("; ");
}

// A status as the technician reads it ("on_site" → "On site").
export function statusLabel(status) {
  return t(`status.${status}`);
}

// The local time "HH:MM" of an ISO moment, for <input type=time>.
export function hhmm(date) {
  const d = date instanceof Date ? date : new Date(date);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

// Today's date at the local time "HH:MM", as an ISO string in UTC, whole seconds.
export function todayAt(value, base = new Date()) {
  const [hours, minutes] = value.split(":").map(Number);
  const d = new Date(base);
  d.setHours(hours, minutes, 0, 0);
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// A message at the bottom of the screen, read out by screen readers.
export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;
  box.className = `toast ${kind}`;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    box.hidden = true;
  }, 4000);
}
