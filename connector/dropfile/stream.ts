/**
 * Chunked reading of big XML documents made of many sibling elements (mmsml `delta`, csexport
 * `cs-object`): bytes are decoded incrementally (BOM sniffing), the text is cut on
 * `<name …>` … `</name>` boundaries, and each piece is handed out with its position. Only one piece
 * (plus one read chunk) is held in memory at a time.
 *
 * Limits: the element must not nest in itself, and `<name` must not occur in comments or CDATA
 * (neither happens in engine-written files; `<` in text and attributes is always escaped).
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { MmsmlError } from './codec.js';

/** A path, a file URL, a stream, or any (async) iterable of byte or text chunks. */
export type Source =
  | string
  | URL
  | Readable
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

export interface Piece {
  /** 1-based number of the element in the file. */
  readonly index: number;
  /** Byte offset of the element's `<` in the file. */
  readonly byteOffset: number;
  readonly xml: string;
}

export interface Split {
  /** The text before the first element (XML declaration, root start tag…). */
  readonly head: () => string;
  readonly pieces: AsyncGenerator<Piece>;
  /** The text after the last element; available once `pieces` is done. */
  readonly tail: () => string;
  readonly encoding: () => string;
}

function open(source: Source): AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> {
  if (typeof source === 'string' || source instanceof URL) {
    return createReadStream(source, { highWaterMark: 64 * 1024 });
  }
  return source;
}

/** Which encoding the first bytes say, and how many BOM bytes to skip. */
function sniff(b: Uint8Array): { encoding: string; skip: number } {
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (b[0] === 0x3c && b[1] === 0x00) return { encoding: 'utf-16le', skip: 0 };
  if (b[0] === 0x00 && b[1] === 0x3c) return { encoding: 'utf-16be', skip: 0 };
  return { encoding: 'utf-8', skip: 0 };
}

/** Decoded text chunks of a source, with the encoding and BOM length once known. */
async function* decode(source: Source, info: { encoding: string; bom: number }): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  let pending = new Uint8Array(0);
  let read = 0; // bytes decoded so far, for the error's offset
  for await (const chunk of open(source)) {
    if (typeof chunk === 'string') {
      info.encoding = 'utf-8';
      yield chunk.startsWith('\ufeff') && decoder === undefined ? chunk.slice(1) : chunk;
      decoder ??= new TextDecoder('utf-8');
      continue;
    }
    let bytes = chunk;
    if (decoder === undefined) {
      if (pending.length + bytes.length < 3) {
        pending = Buffer.concat([pending, bytes]);
        continue;
      }
      bytes = pending.length > 0 ? Buffer.concat([pending, bytes]) : bytes;
      const { encoding, skip } = sniff(bytes);
      info.encoding = encoding;
      info.bom = skip;
      decoder = new TextDecoder(encoding, { fatal: true });
      bytes = bytes.subarray(skip);
    }
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch (e) {
      throw notEncoded(info.encoding, read, e);
    }
    read += bytes.length;
    yield text;
  }
  if (decoder === undefined && pending.length > 0) {
    const { encoding, skip } = sniff(pending);
    info.encoding = encoding;
    info.bom = skip;
    yield new TextDecoder(encoding).decode(pending.subarray(skip));
  } else if (decoder !== undefined) {
    let text: string;
    try {
      text = decoder.decode();
    } catch (e) {
      // The end of the file cuts a character short (an odd byte count in UTF-16, a cut UTF-8 sequence).
      throw notEncoded(info.encoding, read, e);
    }
    yield text;
  }
}

function notEncoded(encoding: string, byteOffset: number, e: unknown): MmsmlError {
  return new MmsmlError(
    `the file is not valid ${encoding} in the bytes from offset ${byteOffset} on (${(e as Error).message}); ` +
      'save it again in the encoding its XML declaration names',
  );
}

/** The index of `<name` followed by a delimiter, at or after `from`, or -1. */
function findStart(text: string, name: string, from: number): number {
  const open = `<${name}`;
  let at = text.indexOf(open, from);
  while (at >= 0) {
    const next = text[at + open.length];
    if (next === undefined) return -2; // cannot tell yet
    if (next === '>' || next === '/' || next === ' ' || next === '\t' || next === '\r' || next === '\n')
      return at;
    at = text.indexOf(open, at + 1);
  }
  return -1;
}

export function splitElements(source: Source, name: string): Split {
  const info = { encoding: 'utf-8', bom: 0 };
  let head: string | undefined;
  let tail: string | undefined;
  const close = `</${name}>`;
  const bytesOf = (s: string): number =>
    info.encoding.startsWith('utf-16') ? s.length * 2 : Buffer.byteLength(s);

  async function* pieces(): AsyncGenerator<Piece> {
    let buf = '';
    let consumed = 0; // bytes of text dropped from buf (after the BOM)
    let index = 0;
    let searchEnd = 0; // where to look for the close tag of the current element
    let eof = false;
    const chunks = decode(source, info);
    const more = async (): Promise<boolean> => {
      const r = await chunks.next();
      if (r.done) {
        eof = true;
        return false;
      }
      buf += r.value;
      return true;
    };
    const drop = (n: number): void => {
      consumed += bytesOf(buf.slice(0, n));
      buf = buf.slice(n);
    };
    for (;;) {
      const start = findStart(buf, name, 0);
      if (start === -1 || start === -2) {
        if (eof) {
          if (head === undefined) head = buf;
          tail = buf;
          return;
        }
        // Between elements only whitespace is expected; do not let a long run of it grow the buffer.
        if (head !== undefined && start === -1 && buf.length > 1024 * 1024) {
          const cut = buf.length - name.length - 1;
          if (buf.slice(0, cut).trim() !== '') {
            throw new MmsmlError(
              `unexpected content after ${name} ${index} at byte ${info.bom + consumed}: ` +
                `'${buf.trim().slice(0, 60)}'`,
            );
          }
          drop(cut);
        }
        await more();
        continue;
      }
      if (head === undefined) {
        head = buf.slice(0, start);
      }
      if (start > 0) {
        const between = buf.slice(0, start);
        drop(start);
        if (index > 0 && between.trim() !== '') {
          throw new MmsmlError(
            `unexpected content before ${name} ${index + 1} at byte ${info.bom + consumed - bytesOf(between)}: ` +
              `'${between.trim().slice(0, 60)}'`,
          );
        }
        searchEnd = 0;
      }
      // buf starts with `<name`. A self-closing element ends at the first `>` if preceded by '/'.
      const gt = buf.indexOf('>');
      let end = -1;
      if (gt >= 0 && buf[gt - 1] === '/') end = gt + 1;
      else {
        const c = buf.indexOf(close, Math.max(searchEnd, name.length + 1));
        if (c >= 0) end = c + close.length;
      }
      if (end < 0) {
        searchEnd = Math.max(0, buf.length - close.length);
        if (!(await more())) {
          throw new MmsmlError(
            `${name} ${index + 1} at byte ${info.bom + consumed} is not closed: the file is truncated`,
          );
        }
        continue;
      }
      index++;
      const xml = buf.slice(0, end);
      const byteOffset = info.bom + consumed;
      drop(end);
      searchEnd = 0;
      yield { index, byteOffset, xml };
    }
  }

  return {
    head: () => head ?? '',
    pieces: pieces(),
    tail: () => tail ?? '',
    encoding: () => info.encoding,
  };
}
