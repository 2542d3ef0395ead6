import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * A small ZIP writer and reader of our own for the install bundle: deflate (or store when deflate
 * does not help), CRC-32, local headers, central directory, end record. No ZIP64 (the bundle is a few
 * MB and a few thousand files), no encryption, no extra fields. Windows' Expand-Archive
 * (System.IO.Compression) and Info-ZIP open what it writes; `readZip` reads it back and checks every
 * CRC, so the packager can verify its own output.
 */

export interface ZipInput {
  /**
   * Path inside the archive with `/` separators, no leading `/`, no `..`; a folder ends with `/` and
   * has no data.
   */
  readonly name: string;
  readonly data: Uint8Array;
}

export interface ZipEntry {
  readonly name: string;
  readonly directory: boolean;
  readonly data: Buffer;
  readonly method: 'deflate' | 'store';
  readonly compressedSize: number;
  readonly crc32: number;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, the one ZIP and gzip use). */
export function crc32(data: Uint8Array, previous = 0): number {
  let c = ~previous >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const FLAG_UTF8 = 0x0800;
const MAX_16 = 0xffff;
const MAX_32 = 0xffffffff;

/** MS-DOS date and time of a Date (local time, 2-second resolution, 1980..2107). */
function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.min(Math.max(date.getFullYear(), 1980), 2107);
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

function checkName(input: ZipInput): void {
  const name = input.name.endsWith('/') ? input.name.slice(0, -1) : input.name;
  if (input.name.endsWith('/') && input.data.length > 0) {
    throw new Error(`zip: folder entry '${input.name}' with data`);
  }
  if (
    name === '' ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.split('/').some((part) => part === '..' || part === '.' || part === '')
  ) {
    throw new Error(`zip: invalid entry name '${input.name}'`);
  }
}

/** The whole archive as one Buffer. Entries keep the order given; names must be unique. */
export function writeZip(inputs: readonly ZipInput[], options: { date?: Date; level?: number } = {}): Buffer {
  if (inputs.length > MAX_16)
    throw new Error(`zip: ${inputs.length} entries; more than ${MAX_16} needs ZIP64`);
  const { time, date } = dosDateTime(options.date ?? new Date());
  const seen = new Set<string>();
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const input of inputs) {
    checkName(input);
    const directory = input.name.endsWith('/');
    if (seen.has(input.name)) throw new Error(`zip: duplicate entry '${input.name}'`);
    seen.add(input.name);
    const name = Buffer.from(input.name, 'utf8');
    const flags = /^[\x20-\x7e]*$/.test(input.name) ? 0 : FLAG_UTF8;
    const crc = crc32(input.data);
    const deflated = deflateRawSync(input.data, { level: options.level ?? 6 });
    const store = directory || deflated.length >= input.data.length;
    const body = store ? Buffer.from(input.data) : deflated;
    if (input.data.length >= MAX_32 || offset + 30 + name.length + body.length >= MAX_32) {
      throw new Error('zip: archive larger than 4 GB needs ZIP64');
    }
    const method = store ? 0 : 8;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_SIG, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(input.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    chunks.push(local, name, body);

    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(CENTRAL_SIG, 0);
    entry.writeUInt16LE(20, 4); // version made by: MS-DOS, 2.0
    entry.writeUInt16LE(20, 6); // version needed
    entry.writeUInt16LE(flags, 8);
    entry.writeUInt16LE(method, 10);
    entry.writeUInt16LE(time, 12);
    entry.writeUInt16LE(date, 14);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(input.data.length, 24);
    entry.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal attributes: 0
    entry.writeUInt32LE(directory ? 0x10 : 0, 38); // external attributes: MS-DOS directory bit
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    offset += local.length + name.length + body.length;
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  if (offset + centralSize >= MAX_32) throw new Error('zip: archive larger than 4 GB needs ZIP64');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_SIG, 0);
  end.writeUInt16LE(inputs.length, 8); // entries on this disk
  end.writeUInt16LE(inputs.length, 10); // entries in total
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, ...central, end]);
}

/**
 * Reads an archive this module (or any plain ZIP without ZIP64 or encryption) wrote: the central
 * directory, each local header, the data (inflated), and checks sizes and CRC-32 of every entry.
 */
export function readZip(zip: Buffer): ZipEntry[] {
  let endAt = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - MAX_16); i--) {
    if (zip.readUInt32LE(i) === END_SIG) {
      endAt = i;
      break;
    }
  }
  if (endAt < 0) throw new Error('zip: no end of central directory record');
  const count = zip.readUInt16LE(endAt + 10);
  const centralSize = zip.readUInt32LE(endAt + 12);
  let at = zip.readUInt32LE(endAt + 16);
  if (at + centralSize !== endAt) throw new Error('zip: central directory is not where the end record says');
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL_SIG) throw new Error(`zip: central entry ${n}: bad signature`);
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localAt = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
    at += 46 + nameLength + extraLength + commentLength;

    if (zip.readUInt32LE(localAt) !== LOCAL_SIG) throw new Error(`zip: ${name}: bad local header signature`);
    const localName = zip.subarray(localAt + 30, localAt + 30 + zip.readUInt16LE(localAt + 26));
    if (localName.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1') !== name) {
      throw new Error(`zip: ${name}: local header names '${localName.toString()}'`);
    }
    if (zip.readUInt32LE(localAt + 14) !== crc || zip.readUInt32LE(localAt + 18) !== compressedSize) {
      throw new Error(`zip: ${name}: local header and central directory disagree`);
    }
    const dataAt = localAt + 30 + localName.length + zip.readUInt16LE(localAt + 28);
    const body = zip.subarray(dataAt, dataAt + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(body);
    else if (method === 8) data = inflateRawSync(body);
    else throw new Error(`zip: ${name}: compression method ${method} not supported`);
    if (data.length !== size) throw new Error(`zip: ${name}: ${data.length} bytes, expected ${size}`);
    if (crc32(data) !== crc) throw new Error(`zip: ${name}: CRC-32 mismatch`);
    entries.push({
      name,
      directory: name.endsWith('/'),
      data,
      method: method === 0 ? 'store' : 'deflate',
      compressedSize,
      crc32: crc,
    });
  }
  return entries;
}

/**
 * The same entries with an entry for every folder, each before the first entry inside it (as most ZIP
 * tools write them; extractors that do not create missing parent folders need them).
 */
export function withFolders(inputs: readonly ZipInput[]): ZipInput[] {
  const seen = new Set(inputs.filter((i) => i.name.endsWith('/')).map((i) => i.name));
  const out: ZipInput[] = [];
  for (const input of inputs) {
    const parts = input.name.split('/');
    for (let n = 1; n < parts.length - (input.name.endsWith('/') ? 1 : 0); n++) {
      const folder = `${parts.slice(0, n).join('/')}/`;
      if (!seen.has(folder) && folder !== input.name) {
        seen.add(folder);
        out.push({ name: folder, data: new Uint8Array(0) });
      }
    }
    out.push(input);
  }
  return out;
}
