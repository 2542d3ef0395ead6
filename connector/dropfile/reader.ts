/**
 * Streaming reader of MIM run-profile drop files (mmsml), UTF-16 (LE/BE) or UTF-8 with or without BOM.
 * The file is read in chunks and cut on `<delta` … `</delta>`; each delta is parsed on its own with
 * fast-xml-parser, so memory is bounded by the largest delta, not the file.
 *
 * Reading rules: `operation` add/replace/update/delete → Add/Replace/Update/Delete (`delete-add` →
 * Replace); `newdn`, when present, becomes the `dn` (the anchor identifies the object); attributes and
 * values without `operation` are Add; every AttributeChange carries `dataType` and `isMultiValued`
 * from the file; references (`dn-attr`) come before other attributes, in file order. Anchors are
 * split into their length-prefixed components and decoded by `anchorTypes`, else the schema's anchor
 * attributes (names and types), else as Binary named `anchor` (lossless). Integers: `0x…` hex or decimal.
 * Errors are MmsmlErrors naming the delta number and byte offset.
 */
import type { CSEntryChange } from '../model/ecma.js';
import { MMSML_NAMESPACE, MmsmlError, STEP_TYPES, type StepType, unescapeXml } from './codec.js';
import { type DeltaReadOptions, deltaToChange, parseElement } from './delta.js';
import { type Piece, type Source, splitElements } from './stream.js';

export type { StepType } from './codec.js';
export type { Source } from './stream.js';

export interface MmsmlReadOptions extends DeltaReadOptions {
  /** Called with the file's step-type before the first entry is yielded. */
  readonly onStepType?: (stepType: StepType) => void;
}

function parseHead(head: string): StepType {
  const m = /<(?:[\w.-]+:)?mmsml\b([^>]*)>/.exec(head);
  if (!m) throw new MmsmlError(`not an mmsml drop file: no <mmsml> root element before the first delta`);
  const attrs = m[1] ?? '';
  const ns = /\bxmlns(?::[\w.-]+)?\s*=\s*(["'])(.*?)\1/.exec(attrs)?.[2];
  if (ns !== undefined && ns !== MMSML_NAMESPACE) {
    throw new MmsmlError(`the mmsml root is in namespace '${ns}', expected '${MMSML_NAMESPACE}'`);
  }
  const st = /\bstep-type\s*=\s*(["'])(.*?)\1/.exec(attrs)?.[2];
  if (st === undefined) throw new MmsmlError('the mmsml root has no step-type');
  const stepType = unescapeXml(st) as StepType;
  if (!STEP_TYPES.includes(stepType)) {
    throw new MmsmlError(`step-type '${stepType}' is not one of ${STEP_TYPES.join(', ')}`);
  }
  return stepType;
}

/** A drop file being read: the step-type is known once open() resolves. */
export class MmsmlReader implements AsyncIterable<CSEntryChange> {
  private started = false;

  private constructor(
    readonly stepType: StepType,
    private readonly first: Piece | undefined,
    private readonly rest: AsyncGenerator<Piece>,
    private readonly tail: () => string,
    private readonly options: MmsmlReadOptions,
  ) {}

  static async open(source: Source, options: MmsmlReadOptions = {}): Promise<MmsmlReader> {
    const split = splitElements(source, 'delta');
    const first = await split.pieces.next();
    const stepType = parseHead(split.head());
    options.onStepType?.(stepType);
    return new MmsmlReader(stepType, first.done ? undefined : first.value, split.pieces, split.tail, options);
  }

  /** The entries, one delta at a time. Can be iterated once. */
  async *entries(): AsyncGenerator<CSEntryChange> {
    if (this.started) throw new MmsmlError('an MmsmlReader can be iterated only once');
    this.started = true;
    if (this.first !== undefined) {
      yield this.convert(this.first);
      for await (const piece of this.rest) yield this.convert(piece);
    }
    const tail = this.tail();
    if (!/<\/(?:[\w.-]+:)?mmsml\s*>/.test(tail) && !/<(?:[\w.-]+:)?mmsml\b[^>]*\/>/.test(tail)) {
      throw new MmsmlError('the drop file ends without </mmsml>: it is truncated');
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<CSEntryChange> {
    return this.entries();
  }

  private convert(piece: Piece): CSEntryChange {
    const where = `delta ${piece.index} at byte ${piece.byteOffset}`;
    const node = parseElement(piece.xml, 'delta', where, this.options.validate ?? true);
    return deltaToChange(node, { where, index: piece.index }, this.options);
  }
}

/** The entries of a drop file as an async iterator; the step-type goes to `options.onStepType`. */
export async function* readMmsml(
  source: Source,
  options: MmsmlReadOptions = {},
): AsyncGenerator<CSEntryChange> {
  const reader = await MmsmlReader.open(source, options);
  yield* reader.entries();
}

/** Reads a whole (small) drop file into memory. */
export async function readMmsmlFile(
  source: Source,
  options: MmsmlReadOptions = {},
): Promise<{ stepType: StepType; entries: CSEntryChange[] }> {
  const reader = await MmsmlReader.open(source, options);
  const entries: CSEntryChange[] = [];
  for await (const e of reader) entries.push(e);
  return { stepType: reader.stepType, entries };
}
