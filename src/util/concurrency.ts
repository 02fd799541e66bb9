/** Items by position: an array, or a list read with `get` (a dataset's ItemList, whose items are built on demand). */
export type Positional<T> = readonly T[] | { readonly length: number; get(position: number): T };

/** Map over items with at most `limit` promises in flight; results keep the input order. */
export async function mapLimit<T, R>(items: Positional<T>, limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const at = 'get' in items ? (i: number): T => items.get(i) : (i: number): T => items[i];
  const results = new Array<R>(items.length);
  let next = 0;
  const workers: Promise<void>[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(at(i), i);
    }
  };
  for (let w = 0; w < Math.min(limit, items.length); w++) workers.push(worker());
  await Promise.all(workers);
  return results;
}
