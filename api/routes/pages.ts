import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import { PROJECT_ROOT } from '../../tools/project-root';

const PUBLIC_DIR = path.join(PROJECT_ROOT, 'api', 'public');
/** Chart.js's browser build (the console's report charts), from node_modules: a production dependency, no CDN. */
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

/**
 * The pages are plain clients of `/v1`: scripts and data only from this origin, and no referrer, so a
 * tracking number in the address never leaks to another site. Inline styles are allowed for the customer emails the
 * console previews (their HTML carries its own `style` attributes; the preview frame is sandboxed, runs no script,
 * and can load nothing from elsewhere).
 */
const pageHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
};

const page =
  (file: string): RequestHandler =>
  (_req, res) =>
    res.sendFile(path.join(PUBLIC_DIR, file));

/** The support console (`/console`, data through `/v1` with the user's key) and the public tracking page. */
export function pageRoutes(): Router {
  const router = Router();
  router.get('/static/vendor/chart.umd.min.js', pageHeaders, (_req, res) =>
    res.sendFile(CHART_JS, { headers: { 'Content-Type': 'text/javascript; charset=utf-8' } }),
  );
  router.use('/static', pageHeaders, express.static(PUBLIC_DIR, { index: false }));
  router.get('/console', pageHeaders, page('console.html'));
  router.get('/track/:trackingNumber', pageHeaders, page('track.html'));
  return router;
}
