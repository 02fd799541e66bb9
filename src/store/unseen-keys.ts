/** The keys among `itemKeys` that `stored` does not hold, deduplicated, in first-seen order (what a store must still compute). */
export function unseenKeys(itemKeys: Iterable<string>, stored: { has(key: string): boolean }): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const k of itemKeys) {
    if (seen.has(k) || stored.has(k)) continue;
    seen.add(k);
    out.push(k);
  }
  return out;
}
