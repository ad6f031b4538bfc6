import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ORDER_SEARCH_ATTRIBUTES } from '../workflows/order/search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;
const TYPES: Record<
  (typeof ORDER_SEARCH_ATTRIBUTES)[keyof typeof ORDER_SEARCH_ATTRIBUTES],
  temporal.api.enums.v1.IndexedValueType
> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Registers the order search attributes on a namespace that lacks them (an external cluster; the embedded
 * dev server gets them at start). Safe to call on every start.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.entries(ORDER_SEARCH_ATTRIBUTES).filter(([name]) => !known.has(name));
  if (missing.length === 0) return [];
  await connection.operatorService
    .addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, TYPES[type]])),
    })
    .catch((error: { code?: number }) => {
      // ALREADY_EXISTS: another worker starting at the same moment registered them first.
      if (error.code !== 6) throw error;
    });
  return missing.map(([name]) => name);
}
