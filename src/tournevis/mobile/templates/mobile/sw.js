// The technician app's service worker (scope /m/; docs/adr/0004-technician-app-offline.md).
// install: cache the app's files (shell, modules, vendored libraries, barcode wasm, icons), then
// take over at once (skipWaiting + clients.claim). The app's files: cache first. The shell page:
// network first (a short wait), the cached copy without network. The day data: network first, the
// last copy without network (header X-From-Cache), else a 503 JSON body. Writes never touch a cache.
const VERSION = "{{ version }}";
const CACHE = `tournevis-m-${VERSION}`;
const SHELL = "{{ shell }}";
const ASSETS = {{ assets|safe }};
const DAY = "{{ day }}";
const OFFLINE_MESSAGE = {{ offline_message|safe }};
const SHELL_WAIT_MS = 4000;

async function cacheShell(cache) {
  try {
    const response = await fetch(SHELL, { credentials: "same-origin", cache: "no-store" });
    if (response.ok && !response.redirected) await cache.put(SHELL, response);
  } catch (error) {
    // offline at install: the shell is cached at its next load
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS);
      await cacheShell(cache);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("tournevis-m-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);
}

async function shell(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), SHELL_WAIT_MS);
    if (response.ok && !response.redirected) {
      await cache.put(SHELL, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(SHELL);
    if (cached) return cached;
    throw error;
  }
}

async function day(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(DAY, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(DAY);
    if (cached) {
      const headers = new Headers(cached.headers);
      headers.set("X-From-Cache", "1");
      return new Response(await cached.blob(), { status: 200, headers });
    }
    return new Response(JSON.stringify({ status: 503, title: "Offline", detail: OFFLINE_MESSAGE }), {
      status: 503,
      headers: { "Content-Type": "application/problem+json" },
    });
  }
}

async function asset(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === SHELL) {
    event.respondWith(shell(request));
  } else if (url.pathname === DAY) {
    event.respondWith(day(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(asset(request));
  }
});
