#!/usr/bin/env node
'use strict';
// `npx oms ...` from the project directory: loads the TypeScript CLI through tsx (a dependency), no build step.
require('tsx/cjs/api').register();
require('../cli/main.ts');
