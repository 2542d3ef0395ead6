/**
 * Streaming writer of MIM run-profile drop files (mmsml). Each CSEntryChange becomes one `delta`,
 * encoded and handed to the Writable at once (awaiting 'drain' under backpressure), so memory stays
 * constant whatever the number of entries.
 *
 * Format decisions (see ../../../shared/docs/mmsml-format.md):
 * - UTF-16 LE with BOM and `encoding="UTF-16"` by default; UTF-8 (no BOM) on request. CRLF, 2-space
 *   indentation, no trailing line end: the layout of the real engine files.
 * - Anchors: base64 of [uint32 LE byte count][bytes] per anchor attribute; strings UTF-16 LE.
 * - Integers: `0x` + hex of the 64-bit two's complement by default (engine object XML; UNCONFIRMED for
 *   drop files), decimal on request.
 * - Attribute `operation` only on update deltas (or when it is not the implied Add); value
 *   `operation` inside Update attributes (or when a value is a Delete). Attribute deletes carry no values.
 * - Delete deltas carry dn, anchor and primary-objectclass only (any attributes are not written);
 *   `objectclass/oc-value` only on Add/Replace. `multivalued` comes from isMultiValued, the schema, or
 *   "more than one value"; a Delete attribute needs dataType or the schema to know its type.
 * - `export_password` (any case) is never written; `skippedSecrets` counts the skipped attributes.
 * - Characters XML 1.0 cannot represent (C0 controls except TAB/LF/CR, lone surrogates, U+FFFE/FFFF)
 *   are refused with an MmsmlError naming the object and attribute; store such data as Binary.
 *   CR is kept as `&#13;`; TAB/LF/CR in XML attributes (DNs) as character references.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type {
  AttributeChange,
  AttributeType,
  CSEntryChange,
  Schema,
  TypedValue,
  ValueChange,
} from '../model/ecma.js';
import {
  encodeAnchor,
  escapeAttr,
  escapeText,
  findInvalidXmlChar,
  formatInteger,
  MMSML_NAMESPACE,
  MMSML_TYPE,
  MmsmlError,
  STEP_TYPES,
  type StepType,
} from './codec.js';

export interface MmsmlWriterOptions {
  readonly stepType: StepType;
  /** Default utf16le (with BOM), as the engine writes. */
  readonly encoding?: 'utf16le' | 'utf8';
  /** Default hex (`0x…`). */
  readonly integers?: 'hex' | 'decimal';
  /** The management agent the file is for; only used in error messages. */
  readonly maName?: string;
  /** Attribute types and multi-valuedness for attributes whose change does not carry them. */
  readonly schema?: Schema;
  /** A Writable given by the caller is ended by close() unless this is true. */
  readonly keepOpen?: boolean;
}

export interface MmsmlWriterStats {
  readonly deltas: number;
  readonly skippedSecrets: number;
  readonly bytes: number;
}

const EOL = '\r\n';
const SECRET = 'export_password';
const OPERATION: Readonly<Record<string, string>> = {
  Add: 'add',
  Replace: 'replace',
  Update: 'update',
  Delete: 'delete',
};

export class MmsmlWriter {
  private deltas = 0;
  private skipped = 0;
  private bytes = 0;
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly out: Writable,
    private readonly ownsStream: boolean,
    private readonly options: MmsmlWriterOptions,
  ) {
    out.on('error', (e: Error) => {
      this.failure ??= e;
    });
  }

  /** Opens a drop file (a path is created/overwritten) and writes the header. */
  static async open(target: string | Writable, options: MmsmlWriterOptions): Promise<MmsmlWriter> {
    if (!STEP_TYPES.includes(options.stepType)) {
      throw new MmsmlError(`step-type must be one of ${STEP_TYPES.join(', ')}, not '${options.stepType}'`);
    }
    const isPath = typeof target === 'string';
    const out = isPath ? createWriteStream(target) : target;
    const w = new MmsmlWriter(out, isPath || !options.keepOpen, options);
    const utf16 = (options.encoding ?? 'utf16le') === 'utf16le';
    await w.emit(
      (utf16 ? '\ufeff' : '') +
        `<?xml version="1.0" encoding="${utf16 ? 'UTF-16' : 'UTF-8'}"?>${EOL}` +
        `<mmsml xmlns="${MMSML_NAMESPACE}" step-type="${options.stepType}">${EOL}` +
        `  <directory-entries>${EOL}`,
    );
    return w;
  }

  get stats(): MmsmlWriterStats {
    return { deltas: this.deltas, skippedSecrets: this.skipped, bytes: this.bytes };
  }

  /** Writes one delta; resolves when the stream can take more. */
  async write(entry: CSEntryChange): Promise<void> {
    if (this.closed) throw new MmsmlError('the mmsml writer is closed');
    const xml = this.renderDelta(entry);
    this.deltas++;
    await this.emit(xml);
  }

  /** Writes the closing tags and ends the stream (waiting until a file is flushed and closed). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.emit(`  </directory-entries>${EOL}</mmsml>`);
    } catch (e) {
      if (this.ownsStream) this.out.destroy();
      throw e;
    }
    if (!this.ownsStream) return;
    if (this.out.destroyed) {
      if (this.failure) throw this.failure;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const out = this.out;
      const done = (): void => {
        out.off('error', fail);
        resolve();
      };
      const fail = (e: Error): void => reject(e);
      out.once('error', fail);
      // fs streams emit 'close' once the descriptor is closed; others 'finish'.
      if ('fd' in out || 'path' in out) out.once('close', done);
      else out.once('finish', done);
      out.end();
    });
    if (this.failure) throw this.failure;
  }

  private async emit(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    const chunk = Buffer.from(text, (this.options.encoding ?? 'utf16le') === 'utf16le' ? 'utf16le' : 'utf8');
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          this.out.off('error', onError);
          resolve();
        };
        const onError = (e: Error): void => {
          this.out.off('drain', onDrain);
          reject(e);
        };
        this.out.once('drain', onDrain);
        this.out.once('error', onError);
      });
    }
    if (this.failure) throw this.failure;
  }

  private where(entry: CSEntryChange, attribute?: string): string {
    const ma = this.options.maName ? ` for MA '${this.options.maName}'` : '';
    const attr = attribute === undefined ? '' : `attribute '${attribute}' of `;
    return `${attr}${entry.objectType} '${entry.dn ?? entry.identifier}' (delta ${this.deltas + 1}${ma})`;
  }

  private checked(entry: CSEntryChange, attribute: string | undefined, s: string): string {
    const bad = findInvalidXmlChar(s);
    if (bad !== undefined) {
      throw new MmsmlError(
        `${this.where(entry, attribute)} holds ${bad}, a character XML 1.0 cannot carry; ` +
          'remove it or make the attribute Binary',
      );
    }
    return s;
  }

  private schemaAttribute(entry: CSEntryChange, name: string) {
    const type = this.options.schema?.types.find((t) => t.name === entry.objectType);
    return type?.attributes.find((a) => a.name === name);
  }

  private renderDelta(entry: CSEntryChange): string {
    const op = OPERATION[entry.modification];
    if (op === undefined)
      throw new MmsmlError(`${this.where(entry)}: unknown modification '${entry.modification}'`);
    if (!entry.objectType) throw new MmsmlError(`${this.where(entry)}: no object type`);
    const dn = entry.dn ?? entry.identifier;
    let s = `    <delta operation="${op}" dn="${escapeAttr(this.checked(entry, undefined, dn))}">${EOL}`;
    if (entry.anchors.length > 0) {
      let anchor: string;
      try {
        anchor = encodeAnchor(entry.anchors.map((a) => a.value));
      } catch (e) {
        throw new MmsmlError(`${this.where(entry)}: anchor: ${(e as Error).message}`);
      }
      s += `      <anchor encoding="base64">${anchor}</anchor>${EOL}`;
    }
    const oc = escapeText(this.checked(entry, undefined, entry.objectType));
    s += `      <primary-objectclass>${oc}</primary-objectclass>${EOL}`;
    if (entry.modification === 'Add' || entry.modification === 'Replace') {
      s += `      <objectclass>${EOL}        <oc-value>${oc}</oc-value>${EOL}      </objectclass>${EOL}`;
    }
    if (entry.modification !== 'Delete') {
      const refs: string[] = [];
      const attrs: string[] = [];
      for (const a of entry.attributes) {
        if (a.name.toLowerCase() === SECRET) {
          this.skipped++;
          continue;
        }
        const type = this.typeOf(entry, a);
        (type === 'Reference' ? refs : attrs).push(this.renderAttribute(entry, a, type));
      }
      s += refs.join('') + attrs.join('');
    }
    return `${s}    </delta>${EOL}`;
  }

  private typeOf(entry: CSEntryChange, a: AttributeChange): AttributeType {
    const type = a.dataType ?? a.values[0]?.value.type ?? this.schemaAttribute(entry, a.name)?.dataType;
    if (type === undefined) {
      throw new MmsmlError(
        `${this.where(entry, a.name)}: the type is unknown (a Delete has no values); set dataType or give a schema`,
      );
    }
    return type;
  }

  private renderAttribute(entry: CSEntryChange, a: AttributeChange, type: AttributeType): string {
    const name = escapeAttr(this.checked(entry, a.name, a.name));
    const multi = a.isMultiValued ?? this.schemaAttribute(entry, a.name)?.multiValued ?? a.values.length > 1;
    const update = entry.modification === 'Update';
    const attrOp = OPERATION[a.modification];
    if (attrOp === undefined) throw new MmsmlError(`${this.where(entry, a.name)}: unknown modification`);
    const opAttr = update || a.modification !== 'Add' ? ` operation="${attrOp}"` : '';
    const values = a.modification === 'Delete' ? [] : a.values;
    const valueOp = (v: ValueChange): string =>
      a.modification === 'Update' || v.modification !== 'Add'
        ? ` operation="${OPERATION[v.modification]}"`
        : '';
    for (const v of values) {
      if (v.value.type !== type) {
        throw new MmsmlError(`${this.where(entry, a.name)}: a ${v.value.type} value in a ${type} attribute`);
      }
    }
    if (type === 'Reference') {
      const head = `      <dn-attr name="${name}" multivalued="${multi}"${opAttr}`;
      if (values.length === 0) return `${head}/>${EOL}`;
      let s = `${head}>${EOL}`;
      for (const v of values) {
        const dn = escapeText(this.checked(entry, a.name, String(v.value.value)));
        s += `        <dn-value${valueOp(v)}>${EOL}          <dn>${dn}</dn>${EOL}        </dn-value>${EOL}`;
      }
      return `${s}      </dn-attr>${EOL}`;
    }
    const head = `      <attr name="${name}"${opAttr} type="${MMSML_TYPE[type]}" multivalued="${multi}"`;
    if (values.length === 0) return `${head}/>${EOL}`;
    let s = `${head}>${EOL}`;
    for (const v of values) {
      const [enc, text] = this.renderValue(entry, a.name, v.value);
      s += `        <value${valueOp(v)}${enc}>${text}</value>${EOL}`;
    }
    return `${s}      </attr>${EOL}`;
  }

  private renderValue(entry: CSEntryChange, attribute: string, v: TypedValue): [string, string] {
    switch (v.type) {
      case 'Binary':
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v.value)) {
          throw new MmsmlError(`${this.where(entry, attribute)}: binary value is not base64`);
        }
        return [' encoding="base64"', v.value];
      case 'Boolean':
        return ['', v.value ? 'true' : 'false'];
      case 'Integer':
        try {
          return ['', formatInteger(v.value, this.options.integers ?? 'hex')];
        } catch (e) {
          throw new MmsmlError(`${this.where(entry, attribute)}: ${(e as Error).message}`);
        }
      default:
        return ['', escapeText(this.checked(entry, attribute, v.value))];
    }
  }
}
