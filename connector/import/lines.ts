import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';

const CHUNK = 1 << 20;
const NL = 0x0a;
const NOTHING = Buffer.alloc(0);

/**
 * The lines of a UTF-8 file with their numbers (from 1) and the byte offset each starts at, read in
 * 1 MB chunks: a file of any size without holding it whole. A final line without its newline is
 * still a line. Lines are split on the bytes (a newline byte never occurs inside a multi-byte
 * character) and each is decoded on its own, so a line kept by the caller holds only its own text,
 * not the chunk it came from.
 */
export function* readLines(path: string): Generator<[number, string, number]> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let carry = NOTHING;
    let n = 0;
    /** File offset of data[0]. */
    let base = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, CHUNK, null);
      if (got === 0) break;
      const data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, got)]) : buf.subarray(0, got);
      let from = 0;
      for (let nl = data.indexOf(NL); nl >= 0; nl = data.indexOf(NL, from)) {
        yield [++n, data.toString('utf8', from, nl), base + from];
        from = nl + 1;
      }
      // `buf` is read into again: what is left of it is copied.
      carry = Buffer.from(data.subarray(from));
      base += from;
    }
    if (carry.length > 0) yield [++n, carry.toString('utf8'), base];
  } finally {
    closeSync(fd);
  }
}

/** Lines to a file in 1 MB writes; `close(true)` flushes to disk, so a rename publishes a whole file. */
export class LineWriter {
  private fd: number | undefined;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private used = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  line(text: string): void {
    // A UTF-16 code unit is at most three UTF-8 bytes.
    if (text.length * 3 + 1 > CHUNK - this.used) {
      this.flush();
      if (text.length * 3 + 1 > CHUNK) {
        this.write(`${text}\n`);
        return;
      }
    }
    this.used += this.buf.write(text, this.used, 'utf8');
    this.buf[this.used++] = NL;
  }

  private write(text: string): void {
    if (this.fd !== undefined) writeSync(this.fd, text);
  }

  /** Appends bytes `start` to `end` of another file as they are: whole lines copied without decoding. */
  copyRange(path: string, start: number, end: number): void {
    this.flush();
    if (this.fd === undefined) return;
    const from = openSync(path, 'r');
    try {
      for (let at = start; at < end; ) {
        const got = readSync(from, this.buf, 0, Math.min(CHUNK, end - at), at);
        if (got === 0) throw new Error(`${path} ends at byte ${at}, before ${end}`);
        for (let w = 0; w < got; ) w += writeSync(this.fd, this.buf, w, got - w);
        at += got;
      }
    } finally {
      closeSync(from);
    }
  }

  private flush(): void {
    if (this.used === 0 || this.fd === undefined) return;
    let at = 0;
    while (at < this.used) at += writeSync(this.fd, this.buf, at, this.used - at);
    this.used = 0;
  }

  /** Writes what is buffered and closes; closing twice is harmless. */
  close(durable = false): void {
    if (this.fd === undefined) return;
    this.flush();
    if (durable) fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  /** Closes without writing what is buffered (the file is being thrown away). */
  abandon(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // closed already
    }
    this.fd = undefined;
  }
}
