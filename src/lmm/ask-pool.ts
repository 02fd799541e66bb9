/**
 * At most `concurrency` questions in flight. After the first failure no new question starts; those in flight finish
 * (their answers are kept), then the first error is returned with how many items completed.
 */
export async function askPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<{ error: unknown; completed: number } | { error: null; completed: number }> {
  let next = 0;
  let completed = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
        completed += 1;
      } catch (err) {
        failure ??= { error: err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, () => worker()));
  return failure === null ? { error: null, completed } : { error: (failure as { error: unknown }).error, completed };
}
