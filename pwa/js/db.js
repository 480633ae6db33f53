// IndexedDB: the phone's own copy of everything the volunteer needs, and the outbox.
// Stores: kv (token, cached API answers, small state), outbox (logs and voids waiting for
// the server, plus refused ones kept to show), mine (this phone's own logs of the last days).

const DB_NAME = "knacka";
const DB_VERSION = 1;
let opening = null;

export function openDb() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
      if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "key" });
      if (!db.objectStoreNames.contains("mine")) db.createObjectStore("mine", { keyPath: "id" });
    };
    request.onsuccess = () => {
      const db = request.result;
      // A newer app version in another tab may need to upgrade: let it.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => {
      opening = null;
      reject(request.error);
    };
  });
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Runs fn(stores) in one transaction; resolves with fn's result once the data is on disk.
// Strict durability: a log is only "stored" when a crash or power cut cannot take it.
export async function transact(names, mode, fn) {
  const db = await openDb();
  const list = Array.isArray(names) ? names : [names];
  const options = mode === "readwrite" ? { durability: "strict" } : undefined;
  const tx = db.transaction(list, mode, options);
  const stores = Object.fromEntries(list.map((name) => [name, tx.objectStore(name)]));
  let result;
  const finished = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
  try {
    result = await fn(stores, done);
  } catch (error) {
    try {
      tx.abort();
    } catch {
      /* already finished */
    }
    throw error;
  }
  await finished;
  return result;
}

export function kvGet(key) {
  return transact("kv", "readonly", ({ kv }) => done(kv.get(key)));
}

export function kvSet(key, value) {
  return transact("kv", "readwrite", ({ kv }) => done(kv.put(value, key)));
}

export function kvDelete(key) {
  return transact("kv", "readwrite", ({ kv }) => done(kv.delete(key)));
}

export function getAll(name) {
  return transact(name, "readonly", (stores) => done(stores[name].getAll()));
}

export { done };
