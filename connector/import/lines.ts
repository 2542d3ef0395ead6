import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const CHUNK = 1 << 20;

/**
 * The lines of a UTF-8 file with their numbers (from 1), read in 1 MB chunks: a file of any size
 * without holding it whole. A final line without its newline is still a line.
 */
export function* readLines(path: string): Generator<[number, string]> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, CHUNK, null);
      const text = rest + (got > 0 ? decoder.write(buf.subarray(0, got)) : decoder.end());
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        yield [++n, text.slice(from, nl)];
        from = nl + 1;
      }
      rest = text.slice(from);
      if (got === 0) break;
    }
    if (rest.length > 0) yield [++n, rest];
  } finally {
    closeSync(fd);
  }
}

/** Lines to a file in 1 MB writes; `close(true)` flushes to disk, so a rename publishes a whole file. */
export class LineWriter {
  private fd: number | undefined;
  private parts: string[] = [];
  private size = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  line(text: string): void {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= CHUNK) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0 || this.fd === undefined) return;
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
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
