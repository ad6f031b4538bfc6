import express, { Router } from 'express';
import { getAbsoluteFSPath } from 'swagger-ui-dist';
import { openApiDocument } from '../openapi';

/** The assets /docs loads, all served from node_modules (no CDN: the page works offline). */
export const SWAGGER_UI_ASSETS = [
  '/docs/assets/swagger-ui.css',
  '/docs/assets/swagger-ui-bundle.js',
  '/docs/init.js',
] as const;

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>OMS API</title>
    <link rel="stylesheet" href="${SWAGGER_UI_ASSETS[0]}">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${SWAGGER_UI_ASSETS[1]}"></script>
    <script src="${SWAGGER_UI_ASSETS[2]}"></script>
  </body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to an online validator.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/** Public: the OpenAPI document at /openapi.json and Swagger UI rendering it at /docs. */
export function docsRoutes(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('js').send(INIT);
  });
  router.use('/docs/assets', express.static(getAbsoluteFSPath(), { index: false, fallthrough: true, maxAge: '1h' }));
  return router;
}
