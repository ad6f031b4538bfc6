import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * Runs one of the repository's scripts (`scripts/chaos.ts`, `scripts/adversary.ts`) as `npm run` would, and
 * answers its exit code and output; a failing run's last lines go to the test output, so CI shows why.
 */
export function runScript(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      if (code !== 0) console.log(output.slice(-12_000));
      resolve({ code, output });
    });
  });
}
