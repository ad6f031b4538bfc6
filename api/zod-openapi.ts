import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/**
 * Gives every zod schema `.openapi()` (names and examples for the OpenAPI document). zod copies prototype
 * methods onto a schema when it is built, so this must run before any schema the document names is created:
 * `api/schemas.ts` imports this module first.
 */
extendZodWithOpenApi(z);
