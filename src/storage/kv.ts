/**
 * A small promise wrapper over IndexedDB, usable in the page and in the worker: one database per
 * purpose, one object store of records `{key, meta, bytes}` where `meta` is JSON-able and `bytes`
 * the payload. Writes are single transactions, so a record is either written whole or not at all
 * (what checkpoints and dataset caches rely on). Quota errors surface as `StorageFullError`.
 */

export interface StoredRecord<M> {
  key: string;
  meta: M;
  /** Payload buffers (e.g. shard files); their total length is the record's size. */
  bytes: Uint8Array[];
  savedAt: number;
}

export interface RecordSummary<M> {
  key: string;
  meta: M;
  size: number;
  savedAt: number;
}

export class StorageFullError extends Error {
  constructor(what: string, cause: unknown) {
    super(
      `The browser's storage is full while saving ${what}; delete cached datasets or old runs and try again (${String(cause)})`,
    );
    this.name = 'StorageFullError';
  }
}

const STORE = 'records';

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

export class KvStore<M> {
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (creating if needed) the database `name`. Rejects where IndexedDB is unavailable. */
  static async open<M>(
    name: string,
    idb: IDBFactory | undefined = globalThis.indexedDB,
  ): Promise<KvStore<M>> {
    if (!idb) throw new Error('IndexedDB is not available in this browser context');
    const open = idb.open(name, 1);
    open.onupgradeneeded = () => {
      if (!open.result.objectStoreNames.contains(STORE))
        open.result.createObjectStore(STORE, { keyPath: 'key' });
    };
    return new KvStore<M>(await req(open));
  }

  async put(key: string, meta: M, bytes: Uint8Array[]): Promise<void> {
    await this.batch([{ key, meta, bytes }], []);
  }

  /**
   * Puts `records` and deletes the keys in `ranges` in one transaction: all of it is written or
   * none (deletes run first, so a record put in the same batch survives a range that covers it).
   * A quota error names the first record.
   */
  async batch(
    records: ReadonlyArray<Omit<StoredRecord<M>, 'savedAt'>>,
    ranges: IDBKeyRange[],
  ): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const savedAt = Date.now();
    const key = records[0]?.key ?? 'records'; // the quota message names the first (the main) record
    try {
      const os = tx.objectStore(STORE);
      for (const r of ranges) os.delete(r);
      // Some engines throw the quota error at put, others at commit.
      for (const r of records) os.put({ ...r, savedAt } satisfies StoredRecord<M>);
      await done(tx);
    } catch (e) {
      if (tx.error === null) {
        try {
          tx.abort(); // nothing half-written
        } catch {
          // already finished
        }
      }
      if (e instanceof DOMException && e.name === 'QuotaExceededError') throw new StorageFullError(key, e);
      throw e;
    }
  }

  async get(key: string): Promise<StoredRecord<M> | undefined> {
    const tx = this.db.transaction(STORE, 'readonly');
    return (await req(tx.objectStore(STORE).get(key))) as StoredRecord<M> | undefined;
  }

  async delete(key: string): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(key);
    await done(tx);
  }

  /** The keys of every record, without reading any payload (cheap for stores of large records). */
  async keys(): Promise<string[]> {
    const tx = this.db.transaction(STORE, 'readonly');
    return (await req(tx.objectStore(STORE).getAllKeys())).map(String);
  }

  /** Every record (in `range`), payloads included, in key order. */
  async getAll(range?: IDBKeyRange): Promise<StoredRecord<M>[]> {
    const tx = this.db.transaction(STORE, 'readonly');
    return (await req(tx.objectStore(STORE).getAll(range))) as StoredRecord<M>[];
  }

  async list(range?: IDBKeyRange): Promise<RecordSummary<M>[]> {
    const all = await this.getAll(range);
    return all.map((r) => ({
      key: r.key,
      meta: r.meta,
      savedAt: r.savedAt,
      size: r.bytes.reduce((a, b) => a + b.byteLength, 0),
    }));
  }

  close(): void {
    this.db.close();
  }
}
