import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** What operators filter orders by in the Temporal Web UI (SPEC section 5). */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const OrderTotalKey = defineSearchAttributeKey('OrderTotal', SearchAttributeType.DOUBLE);
export const OrderPriorityKey = defineSearchAttributeKey('OrderPriority', SearchAttributeType.INT);
export const BackorderedSkusKey = defineSearchAttributeKey('BackorderedSkus', SearchAttributeType.KEYWORD_LIST);

/** Names and types as the Temporal CLI's `--search-attribute KEY=TYPE` spells them. */
export const ORDER_SEARCH_ATTRIBUTES = {
  OrderStatus: 'Keyword',
  CustomerId: 'Keyword',
  OrderTotal: 'Double',
  OrderPriority: 'Int',
  BackorderedSkus: 'KeywordList',
} as const;
