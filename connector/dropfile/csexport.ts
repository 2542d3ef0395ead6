/**
 * Reader of `csexport.exe` output (`cs-objects` root, no namespace): each `cs-object` that has a
 * pending export (`unapplied-export/delta`) becomes a CSEntryChange, so a real MIM's pending exports
 * can be replayed. Streams one `cs-object` at a time (see stream.ts); encoding is sniffed.
 *
 * - identifier: the cs-object `id` without braces, lower case;
 * - objectType: the delta's primary-objectclass, else the cs-object `object-type`;
 * - anchor: the delta's, else the synchronized hologram's (csexport deltas often carry none), else
 *   the unapplied-export hologram's; an add to be created by the target has none;
 * - otherwise the same rules as the drop-file reader (reader.ts).
 */
import type { CSEntryChange } from '../model/ecma.js';
import { MmsmlError } from './codec.js';
import { attr, child, type DeltaReadOptions, deltaToChange, parseElement, text } from './delta.js';
import { type Source, splitElements } from './stream.js';

export interface CsExportObject {
  /** The cs-object's `id` (GUID with braces, as csexport writes it). */
  readonly id: string;
  readonly csDn: string;
  readonly objectType: string;
  /** `export-delta-operation`, when present. */
  readonly exportDeltaOperation?: string | undefined;
  /** The pending export, undefined when the object has none. */
  readonly change: CSEntryChange | undefined;
}

export interface CsExportReadOptions extends DeltaReadOptions {}

/** Every cs-object in the file, with its pending export when it has one. */
export async function* readCsExportObjects(
  source: Source,
  options: CsExportReadOptions = {},
): AsyncGenerator<CsExportObject> {
  const split = splitElements(source, 'cs-object');
  let first = true;
  for await (const piece of split.pieces) {
    if (first) {
      if (!/<cs-objects\b/.test(split.head())) {
        throw new MmsmlError('not a csexport file: no <cs-objects> root element before the first cs-object');
      }
      first = false;
    }
    const where = `cs-object ${piece.index} at byte ${piece.byteOffset}`;
    const node = parseElement(piece.xml, 'cs-object', where, options.validate ?? true);
    const id = attr(node, 'id') ?? '';
    const csDn = attr(node, 'cs-dn') ?? '';
    const objectType = attr(node, 'object-type') ?? '';
    const delta = child(child(node, 'unapplied-export') ?? {}, 'delta');
    const exportOp = child(node, 'export-delta-operation');
    let change: CSEntryChange | undefined;
    if (delta !== undefined) {
      const hologramAnchor = (name: string): string | undefined => {
        const a = child(child(child(node, name) ?? {}, 'entry') ?? {}, 'anchor');
        return a === undefined ? undefined : text(a);
      };
      change = deltaToChange(
        delta,
        {
          where: `${where} (${csDn || id}) unapplied-export`,
          index: piece.index,
          fallbackAnchor:
            hologramAnchor('synchronized-hologram') ?? hologramAnchor('unapplied-export-hologram'),
          fallbackObjectType: objectType || undefined,
          fallbackDn: csDn || undefined,
          identifier: id ? id.replace(/^\{|\}$/g, '').toLowerCase() : undefined,
        },
        options,
      );
    }
    yield {
      id,
      csDn,
      objectType,
      exportDeltaOperation: exportOp === undefined ? undefined : text(exportOp),
      change,
    };
  }
  if (first && !/<cs-objects\b/.test(split.head())) {
    throw new MmsmlError('not a csexport file: no <cs-objects> root element');
  }
  if (!/<\/cs-objects\s*>|<cs-objects\b[^>]*\/>/.test(split.tail())) {
    throw new MmsmlError('the csexport file ends without </cs-objects>: it is truncated');
  }
}

/** The pending exports of a csexport file, as CSEntryChanges (objects without one are skipped). */
export async function* readCsExport(
  source: Source,
  options: CsExportReadOptions = {},
): AsyncGenerator<CSEntryChange> {
  for await (const o of readCsExportObjects(source, options)) {
    if (o.change !== undefined) yield o.change;
  }
}
