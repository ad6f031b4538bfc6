#!/usr/bin/env node
'use strict';
// `npx oms ...`: in a development clone (tsx installed) the TypeScript sources, so the CLI is never older than
// them; in production (npm ci --omit=dev, the Docker image) the build in dist/ (`npm run build`).
const path = require('node:path');

function hasTsx() {
  try {
    require.resolve('tsx/cjs/api');
    return true;
  } catch {
    return false;
  }
}

if (hasTsx()) {
  require('tsx/cjs/api').register();
  require('../cli/main.ts');
} else {
  const built = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
  if (!require('node:fs').existsSync(built)) {
    console.error('oms: the CLI is not built: run npm run build (or npm install, for the development sources).');
    process.exit(2);
  }
  require(built);
}
