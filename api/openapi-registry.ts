import { OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import type { Role } from '../config';
import { problemSchema } from './response-schemas';

/** Who may call an operation: nobody needs a key, any valid key, or a key of one of these roles (admin always may). */
export type Access = 'public' | 'any' | readonly Role[];

type ObjectSchema = z.ZodObject;

interface ResponseSpec {
  description: string;
  /** JSON body; omitted for a response without one. */
  schema?: z.ZodType;
  /** Other media types than application/json, e.g. `{ 'application/pdf': binary }`. */
  content?: Record<string, z.ZodType>;
  headers?: ObjectSchema;
  /** Operations this answer's values feed, e.g. `{ getOrder: { id: '$response.body#/id' } }` (also used by the fuzzer's stateful phase). */
  links?: Record<string, Record<string, string>>;
}

/** An error the route itself answers (404, 409, 422, 503): when it happens. */
type ErrorStatus = 404 | 409 | 422 | 429 | 503;

export interface OperationSpec {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Unique, e.g. `placeOrder`; links refer to it. */
  operationId: string;
  /** OpenAPI form, e.g. `/v1/products/{sku}` (express `:sku`). */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  /** More ways to authenticate than the API key (e.g. the carrier webhook signature). */
  extraSecurity?: string[];
  params?: ObjectSchema;
  query?: ObjectSchema;
  headers?: ObjectSchema;
  body?: { schema: z.ZodType; required?: boolean; description?: string; csv?: z.ZodType };
  responses: Partial<Record<200 | 201 | 202 | 204 | 503, ResponseSpec>>;
  /** When each error happens; with a schema when its problem carries more than the standard members. */
  errors?: Partial<Record<ErrorStatus, string | { description: string; schema: z.ZodType }>>;
}

export const BEARER = 'apiKey';

function accessText(access: Access): string {
  if (access === 'public') return 'Public: no API key.';
  if (access === 'any') return 'Any valid API key.';
  return `Role: ${access.join(' or ')} (or admin).`;
}

const problem = (description: string, schema: z.ZodType = problemSchema): ResponseConfig => ({
  description,
  content: { 'application/problem+json': { schema } },
});

/**
 * The API's OpenAPI registry. `operation` adds the problem responses every route has by the way it is built:
 * 400 when it reads a body, query or path, 401/403 from its access, 413/415 when it takes a body, 429 under /v1 (the
 * rate limit), plus the route's own 404/409/422/429/503.
 */
export class ApiDocRegistry {
  readonly registry = new OpenAPIRegistry();

  constructor() {
    this.registry.registerComponent('securitySchemes', BEARER, {
      type: 'http',
      scheme: 'bearer',
      description:
        'An API key: `Authorization: Bearer <key>`. Roles: admin (everything), sales, approver, support, warehouse, carrier.',
    });
  }

  operation(spec: OperationSpec): void {
    const responses: Record<string, ResponseConfig> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      const content: Record<string, { schema: z.ZodType }> = {};
      if (response.schema) content['application/json'] = { schema: response.schema };
      for (const [type, schema] of Object.entries(response.content ?? {})) content[type] = { schema };
      responses[status] = {
        description: response.description,
        ...(Object.keys(content).length ? { content } : {}),
        ...(response.headers ? { headers: response.headers } : {}),
        ...(response.links
          ? {
              links: Object.fromEntries(
                Object.entries(response.links).map(([operationId, parameters]) => [
                  operationId,
                  { operationId, parameters },
                ]),
              ),
            }
          : {}),
      };
    }
    if (spec.body || spec.query || spec.params)
      responses[400] = problem(
        'Malformed request: a body, query or path value that does not fit the schema (each offending field in `errors`)',
      );
    if (spec.access !== 'public')
      responses[401] = problem('No valid API key' + (spec.extraSecurity ? ' (and no valid signature)' : ''));
    if (Array.isArray(spec.access))
      responses[403] = problem(`The key's role may not do this (needs ${spec.access.join(' or ')}, or admin)`);
    if (spec.path.startsWith('/v1/'))
      responses[429] = problem(
        'More requests this second from this key (or, without one, this address) than `OMS_RATE_LIMIT` allows, when it is set: send again after `Retry-After` seconds',
      );
    for (const [status, error] of Object.entries(spec.errors ?? {}))
      responses[status] = typeof error === 'string' ? problem(error) : problem(error.description, error.schema);
    if (spec.body) {
      responses[413] = problem('The body is larger than the limit');
      responses[415] = problem(
        `The body is not ${spec.body.csv ? 'application/json or text/csv' : 'application/json'}`,
      );
    }

    const request: RouteConfig['request'] = {};
    if (spec.params) request.params = spec.params;
    if (spec.query) request.query = spec.query;
    if (spec.headers) request.headers = spec.headers;
    if (spec.body) {
      request.body = {
        required: spec.body.required ?? true,
        ...(spec.body.description ? { description: spec.body.description } : {}),
        content: {
          'application/json': { schema: spec.body.schema },
          ...(spec.body.csv ? { 'text/csv': { schema: spec.body.csv } } : {}),
        },
      };
    }

    this.registry.registerPath({
      method: spec.method,
      path: spec.path,
      operationId: spec.operationId,
      tags: [spec.tag],
      summary: spec.summary,
      description: [accessText(spec.access), spec.description].filter(Boolean).join('\n\n'),
      // Machine-readable access for tools (e.g. a role-matrix test): 'public', 'any', or the roles besides admin.
      'x-access': spec.access,
      security:
        spec.access === 'public'
          ? []
          : [{ [BEARER]: [] }, ...(spec.extraSecurity ?? []).map((scheme) => ({ [scheme]: [] }))],
      ...(Object.keys(request).length ? { request } : {}),
      responses,
    });
  }
}
