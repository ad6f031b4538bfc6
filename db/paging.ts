/**
 * Keyset paging, newest first: the query reads `limit + 1` rows below the cursor; the extra row only tells that a
 * next page exists, and the next page starts below the key of this page's last row.
 */
export function keysetPage<T>(rows: T[], limit: number, keyOf: (row: T) => string | number) {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? String(keyOf(page[page.length - 1])) : null };
}
