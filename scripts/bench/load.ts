/** The bench's load: orders posted as fast as C clients can (closed loop) or at a fixed rate (open loop). */

export interface PostResult {
  index: number;
  orderId?: string;
  status: number;
  /** When the request was due: its send time (closed loop) or its slot in the schedule (fixed rate). */
  dueAt: number;
  /** From `dueAt` to the answer, so a sender that falls behind a fixed rate shows in the latency. */
  latencyMs: number;
  error?: string;
}

export interface Poster {
  url: string;
  key: string;
}

async function postOrder(poster: Poster, body: unknown, index: number, dueAt: number): Promise<PostResult> {
  try {
    const response = await fetch(`${poster.url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${poster.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const latencyMs = Date.now() - dueAt;
    if (response.status !== 202) return { index, status: response.status, dueAt, latencyMs, error: text.slice(0, 300) };
    return { index, status: response.status, dueAt, latencyMs, orderId: (JSON.parse(text) as { id: string }).id };
  } catch (error) {
    return { index, status: 0, dueAt, latencyMs: Date.now() - dueAt, error: String(error) };
  }
}

/** `count` orders, `concurrency` requests in flight at any time; `onPosted` after each answer. */
export async function postClosedLoop(
  poster: Poster,
  count: number,
  concurrency: number,
  body: (index: number) => unknown,
  onPosted: (result: PostResult) => void = () => undefined,
): Promise<PostResult[]> {
  const results: PostResult[] = [];
  let next = 0;
  const client = async () => {
    while (next < count) {
      const index = next++;
      const result = await postOrder(poster, body(index), index, Date.now());
      results.push(result);
      onPosted(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, client));
  return results.sort((a, b) => a.index - b.index);
}

/** One order every 1/rate seconds for `count` orders, whether or not the earlier ones have been answered. */
export async function postAtRate(
  poster: Poster,
  count: number,
  rate: number,
  body: (index: number) => unknown,
  onPosted: (result: PostResult) => void = () => undefined,
): Promise<PostResult[]> {
  const startedAt = Date.now() + 50;
  const pending: Promise<PostResult>[] = [];
  for (let index = 0; index < count; index++) {
    const dueAt = startedAt + Math.round((index * 1000) / rate);
    const wait = dueAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      postOrder(poster, body(index), index, dueAt).then((result) => {
        onPosted(result);
        return result;
      }),
    );
  }
  return Promise.all(pending);
}

export interface BatchAnswer {
  status: number;
  /** From sending the request to the whole answer. */
  latencyMs: number;
  /** The accepted rows' order IDs, in row order. */
  orderIds: string[];
  rejected: number;
  /** A few of the errors (per row, or of the whole request), for the report. */
  errors: string[];
}

/** One `POST /v1/orders/batch` of `orders` (JSON), as an import would send it. */
export async function postBatch(poster: Poster, orders: unknown[]): Promise<BatchAnswer> {
  const sentAt = Date.now();
  try {
    const response = await fetch(`${poster.url}/v1/orders/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${poster.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ orders }),
    });
    const text = await response.text();
    const latencyMs = Date.now() - sentAt;
    if (response.status !== 200)
      return {
        status: response.status,
        latencyMs,
        orderIds: [],
        rejected: orders.length,
        errors: [text.slice(0, 300)],
      };
    const { results } = JSON.parse(text) as { results: { index: number; id?: string; errors?: unknown[] }[] };
    const rejected = results.filter((row) => !row.id);
    return {
      status: response.status,
      latencyMs,
      orderIds: results.flatMap((row) => (row.id ? [row.id] : [])),
      rejected: rejected.length,
      errors: rejected.slice(0, 3).map((row) => `row ${row.index}: ${JSON.stringify(row.errors)}`),
    };
  } catch (error) {
    return {
      status: 0,
      latencyMs: Date.now() - sentAt,
      orderIds: [],
      rejected: orders.length,
      errors: [String(error)],
    };
  }
}
