import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const WORKER = join(root, 'dist/connector/worker/main.js');

export interface RpcReply {
  id: number | string | null;
  result?: any;
  error?: { code: number; message: string; data?: any };
}

/** The real worker process, driven over stdio as the bridge drives it. */
export class WorkerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly notifications: any[] = [];
  readonly stdoutLines: string[] = [];
  stderr = '';
  private nextId = 1;
  private readonly waiting = new Map<number | string | null, (r: RpcReply) => void>();
  private readonly orphans: RpcReply[] = [];
  private buffer = '';

  constructor(env: NodeJS.ProcessEnv = {}) {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build first`);
    this.child = spawn(process.execPath, [WORKER], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.stdoutLines.push(line);
        const msg = JSON.parse(line);
        if (msg.method) this.notifications.push(msg);
        else {
          const w = this.waiting.get(msg.id);
          if (w) {
            this.waiting.delete(msg.id);
            w(msg);
          } else this.orphans.push(msg);
        }
      }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (c: string) => {
      this.stderr += c;
    });
  }

  /** Sends raw text (for malformed-input tests) and waits for the reply with the given id. */
  raw(text: string, expectId: number | string | null = null, timeoutMs = 10_000): Promise<RpcReply> {
    const p = this.reply(expectId, timeoutMs);
    this.child.stdin.write(text);
    return p;
  }

  private reply(id: number | string | null, timeoutMs: number): Promise<RpcReply> {
    const orphan = this.orphans.findIndex((o) => o.id === id);
    if (orphan >= 0) return Promise.resolve(this.orphans.splice(orphan, 1)[0]!);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(
              `no reply for id ${String(id)} within ${timeoutMs} ms; stderr: ${this.stderr.slice(-2000)}`,
            ),
          ),
        timeoutMs,
      );
      this.waiting.set(id, (r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  }

  send(method: string, params: unknown): { id: number; reply: Promise<RpcReply> } {
    const id = this.nextId++;
    const reply = this.reply(id, 120_000);
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    return { id, reply };
  }

  async call(method: string, params: unknown): Promise<any> {
    const r = await this.send(method, params).reply;
    if (r.error) throw Object.assign(new Error(`${method}: ${r.error.message}`), { rpc: r.error });
    return r.result;
  }

  notify(method: string, params: unknown): void {
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method, params })}\n`);
  }

  async hello(dataFolder?: string): Promise<any> {
    return this.call('hello', {
      protocolVersion: 1,
      bridgeVersion: 'test',
      ...(dataFolder ? { dataFolder } : {}),
    });
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.stdin.end();
    return exited;
  }
}
