import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The project's directory (where package.json is), from the sources or from their build in dist/: files that are
 * not code (api/public, deploy/) are read from there.
 */
export const PROJECT_ROOT = (() => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
})();
