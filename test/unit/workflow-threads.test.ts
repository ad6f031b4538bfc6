import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nodeArguments } from '../../scripts/system/processes';
import { PROJECT_ROOT } from '../../tools/project-root';
import { WORKER_HEAP_FLAGS, WORKER_NODE_FLAGS } from '../../worker/workflow-threads';

/**
 * Starts a thread that sets up the SDK's workflow hooks as a workflow thread does (`globalHandlers.install()`), and
 * reports whether the stack-trace promise hook went in.
 */
function promiseHookInThread(nodeFlags: string[], env: NodeJS.ProcessEnv = {}): boolean {
  const thread = [
    "const { globalHandlers } = require('@temporalio/worker/lib/workflow/vm-shared');",
    'globalHandlers.install();',
    "require('node:worker_threads').parentPort.postMessage(globalHandlers.promiseHookInstalled);",
  ].join('\n');
  const script = [
    "const { Worker } = require('node:worker_threads');",
    `const thread = new Worker(${JSON.stringify(thread)}, { eval: true });`,
    "thread.once('message', (installed) => { console.log(JSON.stringify(installed)); thread.terminate(); });",
  ].join('\n');
  const output = execFileSync(process.execPath, [...nodeFlags, '--eval', script], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, OMS_WORKFLOW_STACK_TRACES: undefined, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(output) as boolean;
}

describe('workflow threads of a worker process', () => {
  it('run without the stack-trace promise hook unless OMS_WORKFLOW_STACK_TRACES=on', () => {
    expect(promiseHookInThread([])).toBe(true);
    expect(promiseHookInThread(WORKER_NODE_FLAGS)).toBe(false);
    expect(promiseHookInThread(WORKER_NODE_FLAGS, { OMS_WORKFLOW_STACK_TRACES: 'on' })).toBe(true);
  });

  it('are set up by every command that starts a worker, with its heap settings', () => {
    const preload = path.relative(PROJECT_ROOT, WORKER_NODE_FLAGS[1]!);
    const flags = [`--require ./${preload}`, ...WORKER_HEAP_FLAGS].join(' ');
    const scripts = (
      JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.start).toContain(flags);
    expect(scripts.worker).toContain(`node ${flags} dist/worker/main.js`);
    const compose = readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
    const composeFlags = ['--require', `./${preload}`, ...WORKER_HEAP_FLAGS].map((flag) => `'${flag}'`).join(', ');
    // Prettier may put a long command on the line after `command:`.
    expect(compose.replace(/command:\s+\[/g, 'command: [')).toContain(
      `command: ['node', ${composeFlags}, 'dist/worker/main.js']`,
    );
    expect(readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8')).toContain(`COPY ${preload} ./worker/`);
    // Clusters, chaos and adversary runs start their workers through nodeArguments.
    expect(nodeArguments('worker/main').slice(0, WORKER_NODE_FLAGS.length)).toEqual(WORKER_NODE_FLAGS);
    expect(nodeArguments('api/main')).not.toContain('--require');
    expect(nodeArguments('api/main')).not.toContain(WORKER_HEAP_FLAGS[0]);
  });
});
