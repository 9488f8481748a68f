// The technician app's entry point: reads the configuration and strings the server embedded in the
// shell, registers the service worker (scope /m/), asks for persistent storage, starts the outbox's
// replay and routes between screens by the URL's hash (#/, #/visit/12, #/visit/12/parts, …).

import * as store from "./db.js";
import { recordScreen } from "./records.js";
import { accountScreen, conflictsScreen, dayScreen, visitScreen } from "./screens.js";
import { prepare } from "./scan.js";
import { Sync } from "./sync.js";
import { clear, dateTime, setStrings, t, time } from "./ui.js";

const config = JSON.parse(document.getElementById("m-config").textContent);
setStrings(JSON.parse(document.getElementById("m-strings").textContent), config.language);

const main = document.getElementById("main");
const ctx = { config, sync: null, view: null, synced: false, render: null };
let renderedHash = null;
let rendering = Promise.resolve();

async function header() {
  const pending = await ctx.sync.pending();
  const badge = document.getElementById("pending");
  const rule = new Intl.PluralRules(config.language).select(pending);
  badge.textContent = pending ? t(rule === "one" ? "pending_one" : "pending_other", { n: pending }) : t("all_sent");
  badge.dataset.count = String(pending);
  badge.classList.toggle("waiting", pending > 0);
  const last = await store.getMeta("last_sync");
  const lastSync = document.getElementById("last-sync");
  lastSync.textContent = last ? t("last_sync", { time: isToday(last) ? time(last) : dateTime(last) }) : t("never_synced");
  lastSync.dataset.at = last || "";
  const state = !navigator.onLine ? "offline" : ctx.sync.state;
  const net = document.getElementById("net");
  net.textContent = t(`state.${state}`);
  net.dataset.state = state;
  if (state === "signed_out") net.append(" ", Object.assign(document.createElement("a"), { href: config.login_url, textContent: t("sign_in_again") }));
  const notices = (await store.getMeta("notices", [])).length + (ctx.view?.conflicts || []).length;
  const tab = document.getElementById("tab-conflicts-count");
  tab.textContent = notices ? String(notices) : "";
  tab.hidden = !notices;
}

function isToday(iso) {
  return new Date(iso).toDateString() === new Date().toDateString();
}

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "visit" && parts[1] && parts[2]) return () => recordScreen(ctx, parts[1], parts[2]);
  if (parts[0] === "visit" && parts[1]) return () => visitScreen(ctx, parts[1]);
  if (parts[0] === "conflicts") return () => conflictsScreen(ctx);
  if (parts[0] === "account") return () => accountScreen(ctx);
  return () => dayScreen(ctx);
}

// Screens with a form are not redrawn by a background sync (the technician may be typing).
function hasForm() {
  return Boolean(main.querySelector("form, canvas, input[type=file]"));
}

async function render({ background = false } = {}) {
  rendering = rendering.then(async () => {
    ctx.view = await ctx.sync.view();
    ctx.synced = Boolean(await store.getMeta("last_sync"));
    await header();
    if (background && renderedHash === location.hash && hasForm()) return;
    const scroll = renderedHash === location.hash ? window.scrollY : 0;
    const screen = await route()();
    clear(main).append(screen);
    for (const link of document.querySelectorAll(".tabs a")) {
      link.toggleAttribute("aria-current", link.getAttribute("href") === (location.hash.split("/").slice(0, 2).join("/") || "#/"));
    }
    if (renderedHash !== location.hash) main.focus({ preventScroll: true });
    renderedHash = location.hash;
    window.scrollTo(0, scroll);
  });
  return rendering;
}

async function boot() {
  localStorage.setItem("tournevis.device", config.device_id);
  ctx.sync = new Sync(config, () => render({ background: true }));
  ctx.render = () => render();
  prepare(config.wasm_url);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.sw_url, { scope: config.scope }).catch(() => {});
  }
  navigator.storage?.persist?.().catch(() => false);
  window.addEventListener("hashchange", () => render());
  window.addEventListener("online", () => header());
  window.addEventListener("offline", () => header());
  await render();
  await ctx.sync.start();
  document.body.dataset.ready = "true";
}

boot();
