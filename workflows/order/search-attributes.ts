import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** What operators filter orders by in the Temporal Web UI (SPEC section 5). */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const OrderTotalKey = defineSearchAttributeKey('OrderTotal', SearchAttributeType.DOUBLE);
export const OrderPriorityKey = defineSearchAttributeKey('OrderPriority', SearchAttributeType.INT);
export const BackorderedSkusKey = defineSearchAttributeKey('BackorderedSkus', SearchAttributeType.KEYWORD_LIST);
/** Why an order is ON_HOLD (support's reason, `risk: ...`, or the step that failed for good); unset otherwise. */
export const HoldReasonKey = defineSearchAttributeKey('HoldReason', SearchAttributeType.KEYWORD);

/** Names and types as the Temporal CLI's `--search-attribute KEY=TYPE` spells them. */
export const ORDER_SEARCH_ATTRIBUTES = {
  OrderStatus: 'Keyword',
  CustomerId: 'Keyword',
  OrderTotal: 'Double',
  OrderPriority: 'Int',
  BackorderedSkus: 'KeywordList',
  HoldReason: 'Keyword',
} as const;
