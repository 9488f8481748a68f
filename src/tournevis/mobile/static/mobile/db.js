// The app's IndexedDB (docs/adr/0004-technician-app-offline.md): the outbox (auto-increment key: the
// order of replay), the photos taken on this phone, and "meta" (the device's sequence counter, the
// last day data the server sent, the last sync time, notices of refused changes).

import { deleteDB, openDB } from "idb";

const NAME = "tournevis-m";
let opened = null;

export function db() {
  opened ??= openDB(NAME, 1, {
    upgrade(database) {
      database.createObjectStore("outbox", { keyPath: "id", autoIncrement: true });
      database.createObjectStore("meta");
      database.createObjectStore("photos");
    },
  });
  return opened;
}

export async function getMeta(key, fallback = null) {
  const value = await (await db()).get("meta", key);
  return value === undefined ? fallback : value;
}

export async function setMeta(key, value) {
  await (await db()).put("meta", value, key);
}

export async function entries() {
  return (await db()).getAll("outbox");
}

export async function countEntries() {
  return (await db()).count("outbox");
}

// Add an operation with the next sequence number, in one transaction (two tabs never share a number).
export async function addOperation(entry) {
  const tx = (await db()).transaction(["meta", "outbox"], "readwrite");
  const meta = tx.objectStore("meta");
  const seq = ((await meta.get("seq")) || 0) + 1;
  await meta.put(seq, "seq");
  const id = await tx.objectStore("outbox").add({ ...entry, seq });
  await tx.done;
  return { ...entry, seq, id };
}

// A photo: its bytes kept (shown offline, uploaded by the outbox entry that names it).
export async function addPhoto(record, entry) {
  const tx = (await db()).transaction(["photos", "outbox"], "readwrite");
  await tx.objectStore("photos").put(record, record.client_id);
  const id = await tx.objectStore("outbox").add(entry);
  await tx.done;
  return { ...entry, id };
}

export async function getPhoto(clientId) {
  return (await db()).get("photos", clientId);
}

export async function putEntry(entry) {
  await (await db()).put("outbox", entry);
}

export async function removeEntry(id) {
  await (await db()).delete("outbox", id);
}

// The sequence counter never goes below what the server has applied from this device.
export async function raiseSeq(atLeast) {
  const tx = (await db()).transaction("meta", "readwrite");
  const seq = (await tx.store.get("seq")) || 0;
  if (atLeast > seq) await tx.store.put(atLeast, "seq");
  await tx.done;
}

// Renumber the waiting operations from ``first`` (the server lost none of them: it refused a gap).
export async function renumber(first) {
  const tx = (await db()).transaction(["meta", "outbox"], "readwrite");
  const all = await tx.objectStore("outbox").getAll();
  let seq = first;
  for (const entry of all) {
    if (entry.kind !== "op") continue;
    entry.seq = seq++;
    await tx.objectStore("outbox").put(entry);
  }
  await tx.objectStore("meta").put(seq - 1, "seq");
  await tx.done;
}

// Log out: everything this app stored on the phone goes (IndexedDB, caches, the worker).
export async function wipe() {
  if (opened) (await opened).close();
  opened = null;
  await deleteDB(NAME);
  if (self.caches) {
    for (const key of await caches.keys()) await caches.delete(key);
  }
  if (navigator.serviceWorker) {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  }
  localStorage.removeItem("tournevis.device");
}
