// The outbox: messages the person wrote, kept until kringd acknowledges or refuses them, so that
// a lost connection or a closed tab loses nothing. Each entry keeps its client_msg_id for every
// resend, which makes kringd store it exactly once (docs/protocol.md, "Idempotent resend").
// The store is IndexedDB in the browser (IdbOutboxStore) and memory in tests.

export type OutboxState = "sending" | "sent" | "refused";

export interface OutboxEntry {
  accountId: string;  // whose message (several people may use one device)
  clientMsgId: string;
  networkId: string;  // ids as decimal strings: storable everywhere, unlike bigint
  threadId: string;
  text: string;
  replyToSeq: string;
  order: number;      // creation order; resends go out in this order
  createdAtMs: number;
  state: OutboxState;
  seq?: string;       // once sent
  errorCode?: number; // once refused: kring.v1.Error.Code
  errorDetail?: string;
}

export interface OutboxStore {
  load(accountId: string): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  delete(accountId: string, clientMsgId: string): Promise<void>;
}

export class MemoryOutboxStore implements OutboxStore {
  readonly entries = new Map<string, OutboxEntry>();

  async load(accountId: string): Promise<OutboxEntry[]> {
    return [...this.entries.values()]
      .filter((e) => e.accountId === accountId)
      .map((e) => ({ ...e }))
      .sort((a, b) => a.order - b.order);
  }
  async put(entry: OutboxEntry): Promise<void> {
    this.entries.set(`${entry.accountId}/${entry.clientMsgId}`, { ...entry });
  }
  async delete(accountId: string, clientMsgId: string): Promise<void> {
    this.entries.delete(`${accountId}/${clientMsgId}`);
  }
}

// IndexedDB: one object store keyed by [accountId, clientMsgId].
export class IdbOutboxStore implements OutboxStore {
  private db: Promise<IDBDatabase>;

  constructor(name = "kring-outbox") {
    this.db = new Promise((resolve, reject) => {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore("outbox", { keyPath: ["accountId", "clientMsgId"] });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  private async tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>) {
    const db = await this.db;
    return new Promise<T>((resolve, reject) => {
      const t = db.transaction("outbox", mode);
      const req = fn(t.objectStore("outbox"));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }

  async load(accountId: string): Promise<OutboxEntry[]> {
    const range = IDBKeyRange.bound([accountId, ""], [accountId, "\uffff"]);
    const all = await this.tx("readonly", (s) => s.getAll(range) as IDBRequest<OutboxEntry[]>);
    return all.sort((a, b) => a.order - b.order);
  }
  async put(entry: OutboxEntry): Promise<void> {
    await this.tx("readwrite", (s) => s.put(entry));
  }
  async delete(accountId: string, clientMsgId: string): Promise<void> {
    await this.tx("readwrite", (s) => s.delete([accountId, clientMsgId]));
  }
}

// A client_msg_id: random, 1..64 bytes (kringd's limit). Never from an injected random (the
// protocol client's, fixed in tests for its jitter): equal ids would make kringd take a new
// message for a resend of the first. Where Web Crypto is missing (Node 18 has no global
// `crypto`), Math.random.
export function newClientMsgId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
