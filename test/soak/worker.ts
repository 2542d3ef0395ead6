import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';

/** What the soak knows of every process it started: for the secret scan. */
export interface StartedProcess {
  pid: number;
  commandLine: string;
  environment: string;
}

interface Reply {
  id?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: { mimError?: string } };
}

/** A failed call, as the bridge would see it: the worker's message and MIM error name. */
export class CallError extends Error {
  constructor(
    message: string,
    readonly mimError: string | undefined,
  ) {
    super(message);
  }
}

/**
 * The real worker (`node dist/connector/worker/main.js`) driven over stdio as the bridge drives it;
 * its stderr goes to a log file. Secrets only ever cross the pipe.
 */
export class SoakWorker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly started: StartedProcess;
  private readonly log: WriteStream;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private buffer = '';
  private exited: Error | undefined;

  constructor(workerPath: string, logFile: string, env: Record<string, string>) {
    this.log = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(process.execPath, [workerPath], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const pid = this.child.pid ?? -1;
    this.started = { pid, commandLine: readProc(pid, 'cmdline'), environment: readProc(pid, 'environ') };
    this.child.stderr.pipe(this.log);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const msg = JSON.parse(this.buffer.slice(0, nl)) as Reply & { method?: string };
        this.buffer = this.buffer.slice(nl + 1);
        if (msg.method) continue; // heartbeats
        const w = this.waiting.get(msg.id as number);
        this.waiting.delete(msg.id as number);
        w?.resolve(msg);
      }
    });
    this.child.on('exit', (code, signal) => {
      this.exited = new Error(`the worker exited (${signal ?? code}) during the call`);
      for (const w of this.waiting.values()) w.reject(this.exited);
      this.waiting.clear();
    });
  }

  /** Sends a call; the promise rejects with CallError on an error reply, or when the worker dies. */
  call<T = unknown>(method: string, params: unknown): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    }).then((r) => {
      if (r.error) throw new CallError(`${method}: ${r.error.message}`, r.error.data?.mimError);
      return r.result as T;
    });
  }

  async hello(dataFolder: string): Promise<unknown> {
    const r = await this.call('hello', { protocolVersion: 1, bridgeVersion: 'soak', dataFolder });
    // Read once the worker runs its own program (right after spawn /proc may still show the parent's).
    this.started.commandLine = readProc(this.started.pid, 'cmdline');
    this.started.environment = readProc(this.started.pid, 'environ');
    return r;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.stdin.end();
      await exited;
    }
    await new Promise((r) => this.log.end(r));
  }
}

function readProc(pid: number, file: 'cmdline' | 'environ'): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`).toString('utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
