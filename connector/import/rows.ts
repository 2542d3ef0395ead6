import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LineWriter, readLines } from './lines.js';

/**
 * The fingerprint rows of one object type in a full import, written to a file in the MA data folder
 * as they are produced instead of held in memory: a full import of a million objects keeps no row
 * in memory, only the ids it has seen (IdSet). The state file copies them at a Normal close.
 */
export class RowSpool {
  private readonly out: LineWriter;
  private count = 0;

  constructor(readonly path: string) {
    this.out = new LineWriter(path);
  }

  get size(): number {
    return this.count;
  }

  add(id: string, row: string): void {
    this.out.line(`${id} ${row}`);
    this.count++;
  }

  /** The rows written, as `<id> <row>` lines (the spool is finished by this). */
  *lines(): Generator<string> {
    this.out.close();
    for (const [, line] of readLines(this.path)) yield line;
  }

  discard(): void {
    this.out.abandon();
    rmSync(this.path, { force: true });
  }
}

const SPOOL = /^import-rows\.(\d+)\.[0-9a-f]+\.tmp$/;
const STATE_TMP = /^(?:import-state\.txt|schema-cache\.json)\.(\d+)\.[0-9a-f]+\.tmp$/;

/** Spool and temporary state files left by a worker that was killed (their process is gone). */
export function sweepStale(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number((SPOOL.exec(name) ?? STATE_TMP.exec(name))?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) rmSync(join(dir, name), { force: true });
  }
}

export const spoolName = (pid: number, tag: string) => `import-rows.${pid}.${tag}.tmp`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The ids one import round has seen. Graph's directory ids are GUIDs: kept as 16 bytes in an
 * open-addressing table (about 34 bytes per id at most half full, against some 80 for a string in
 * a Set); anything else falls back to a Set.
 */
export class IdSet {
  private slots = 1 << 14;
  private keys = Buffer.alloc(this.slots * 16);
  private used = new Uint8Array(this.slots);
  private count = 0;
  private readonly others = new Set<string>();
  private readonly key = Buffer.alloc(16);

  /** Adds the id; false when it was there already. */
  add(id: string): boolean {
    if (id.length !== 36 || !GUID.test(id)) {
      if (this.others.has(id)) return false;
      this.others.add(id);
      return true;
    }
    const k = this.key;
    k.write(id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24), 'hex');
    if (this.find(k) >= 0) return false;
    if ((this.count + 1) * 2 > this.slots) this.grow();
    this.put(k);
    this.count++;
    return true;
  }

  get size(): number {
    return this.count + this.others.size;
  }

  private start(k: Buffer): number {
    return (k.readUInt32LE(0) ^ k.readUInt32LE(12)) & (this.slots - 1);
  }

  private find(k: Buffer): number {
    for (let i = this.start(k); this.used[i]; i = (i + 1) & (this.slots - 1)) {
      if (this.keys.compare(k, 0, 16, i * 16, i * 16 + 16) === 0) return i;
    }
    return -1;
  }

  private put(k: Buffer): void {
    let i = this.start(k);
    while (this.used[i]) i = (i + 1) & (this.slots - 1);
    k.copy(this.keys, i * 16);
    this.used[i] = 1;
  }

  private grow(): void {
    const { keys, used } = this;
    const old = used.length;
    this.slots *= 2;
    this.keys = Buffer.alloc(this.slots * 16);
    this.used = new Uint8Array(this.slots);
    for (let i = 0; i < old; i++) if (used[i]) this.put(keys.subarray(i * 16, i * 16 + 16));
  }
}
