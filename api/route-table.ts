import type { Express } from 'express';

export interface RouteEntry {
  method: string;
  /** Express form with the mount path, e.g. `/v1/orders/:id/approve`. */
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  /** The path the layer was mounted with (router 2: `app.use('/v1', router)`). */
  rawPath?: string | string[];
  slash?: boolean;
}

/**
 * Every route of an express app, read from its real router stack (mounted routers included), as
 * `{method, path}` with the mount path prefixed. HEAD that express answers for GET is not listed.
 */
export function routeTable(app: Express): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of ([] as string[]).concat(layer.route.path)) {
          for (const [method, handled] of Object.entries(layer.route.methods)) {
            if (handled && method !== '_all') routes.push({ method: method.toUpperCase(), path: join(prefix, path) });
          }
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && !layer.slash ? layer.rawPath : '';
        walk(layer.handle.stack, join(prefix, mount));
      }
    }
  };
  const root = (app as unknown as { router: { stack: Layer[] } }).router;
  walk(root.stack, '');
  return routes;
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  return joined === '' ? '/' : joined;
}

/** `/v1/orders/:id` → `/v1/orders/{id}` (the OpenAPI path of an express route). */
export const toOpenApiPath = (expressPath: string): string => expressPath.replace(/:(\w+)/g, '{$1}');
