import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { KvStore } from './kv';

describe('KvStore', () => {
  it('stores, lists with sizes, reads back and deletes records', async () => {
    const store = await KvStore.open<{ name: string }>('t1', new IDBFactory());
    await store.put('a', { name: 'A' }, [new Uint8Array([1, 2, 3]), new Uint8Array([4])]);
    await store.put('b', { name: 'B' }, [new Uint8Array(10)]);
    const list = await store.list();
    expect(list.map((r) => [r.key, r.meta.name, r.size])).toEqual([
      ['a', 'A', 4],
      ['b', 'B', 10],
    ]);
    const a = await store.get('a');
    expect(a?.bytes.map((b) => Array.from(b))).toEqual([[1, 2, 3], [4]]);
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    expect((await store.list()).map((r) => r.key)).toEqual(['b']);
  });

  it('a put replaces the whole record', async () => {
    const store = await KvStore.open<number>('t2', new IDBFactory());
    await store.put('k', 1, [new Uint8Array(5)]);
    await store.put('k', 2, [new Uint8Array(2)]);
    expect(await store.list()).toMatchObject([{ key: 'k', meta: 2, size: 2 }]);
  });

  it('says clearly when IndexedDB is missing', async () => {
    await expect(KvStore.open('x', undefined)).rejects.toThrow('IndexedDB is not available');
  });
});
