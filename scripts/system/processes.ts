import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../tools/project-root';
import { WORKER_NODE_FLAGS } from '../../worker/workflow-threads';

/** The code's root: the project (run through tsx) or its build in dist/. */
const CODE_ROOT = path.resolve(__dirname, '..', '..');

/** A process's entry module as this code runs: `worker/main` is worker/main.ts from source, worker/main.js built. */
export function entryModule(name: string): string {
  return path.join(CODE_ROOT, `${name}${path.extname(__filename)}`);
}

/** The node arguments that run the module `name` (`worker/main`): TypeScript through tsx, JavaScript as it is. */
export function nodeArguments(name: string): string[] {
  const entry = entryModule(name);
  const flags = name === 'worker/main' ? WORKER_NODE_FLAGS : [];
  return [...flags, ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry];
}

/**
 * One OMS role (`worker/main`, `api/main`) run as a child process, so a chaos run can `kill -9` it. Its
 * output goes to a log file; it is ready once it prints `ready`. An exit nobody asked for counts as a crash.
 */
export class ChildRole {
  private child?: ChildProcess;
  private expectingExit = false;
  private readonly log: WriteStream;
  crashes = 0;
  starts = 0;
  kills = 0;
  lastCrash?: string;

  constructor(
    readonly name: string,
    /** A module name for entryModule (`worker/main`). */
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    logFile: string,
    private readonly ready: RegExp,
    private readonly onCrash: (role: ChildRole) => void = () => undefined,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until it says it is ready (or fails with the end of its output). */
  async start(timeoutMs = 120_000): Promise<void> {
    this.starts += 1;
    this.expectingExit = false;
    const child = spawn(process.execPath, nodeArguments(this.entry), {
      cwd: PROJECT_ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.log.write(`\n--- ${new Date().toISOString()} start #${this.starts} (pid ${child.pid})\n`);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} not ready after ${timeoutMs} ms:\n${output.slice(-2000)}`)),
        timeoutMs,
      );
      const watch = (chunk: Buffer) => {
        this.log.write(chunk);
        if (output.length < 20_000) output += chunk.toString();
        if (this.ready.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', watch);
      child.stderr!.on('data', watch);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.log.write(`--- ${new Date().toISOString()} exited (${signal ?? code})\n`);
        reject(new Error(`${this.name} exited (${signal ?? code}) before it was ready:\n${output.slice(-2000)}`));
      });
    });
    child.once('exit', (code, signal) => {
      if (this.expectingExit) return;
      this.crashes += 1;
      this.lastCrash = `${this.name} exited by itself (${signal ?? code}); see its log`;
      this.onCrash(this);
    });
  }

  /** `kill -9`: no shutdown, in-flight work is lost mid-step. */
  async kill9(): Promise<void> {
    await this.end('SIGKILL');
    this.kills += 1;
  }

  /** A graceful stop (SIGTERM, then SIGKILL after a grace period). */
  async stop(graceMs = 10_000): Promise<void> {
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.end('SIGTERM');
    clearTimeout(timer);
  }

  /** Synchronous last resort when the chaos run itself is exiting. */
  killNow(): void {
    this.expectingExit = true;
    if (this.running) this.child!.kill('SIGKILL');
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    this.expectingExit = true;
    const child = this.child;
    if (!child || !this.running) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}
