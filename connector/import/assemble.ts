import type { ObjectTypeName } from '../config/types.js';
import type { Page } from '../graph/client.js';
import type { Logger } from '../runtime/log.js';
import { mergePiece, type Piece, toPiece } from './convert.js';

/**
 * Graph pages → whole objects. Pieces of one object within a page are merged; the last object of a
 * page is held back while more pages follow, because a group whose member list does not fit one
 * page continues at the start of the next page (with further members@delta slices). So a group
 * of any size ends as one piece, and no more than one page plus that group is held at a time.
 */
export async function* wholeObjects(
  pages: AsyncIterable<Page<unknown>>,
  imported: ReadonlySet<ObjectTypeName>,
  log: Logger,
  onEnd: (page: Page<unknown>) => void,
): AsyncGenerator<Piece> {
  let held: Piece | undefined;
  for await (const page of pages) {
    const byId = new Map<string, Piece>();
    if (held) byId.set(held.id, held);
    held = undefined;
    for (const raw of page.value) {
      const p = toPiece(raw, imported, log);
      const prev = byId.get(p.id);
      if (prev) mergePiece(prev, p);
      else byId.set(p.id, p);
    }
    const list = [...byId.values()];
    if (page.nextLink && list.length > 0) held = list.pop();
    yield* list;
    if (!page.nextLink) {
      if (held) yield held;
      held = undefined;
      onEnd(page);
    }
  }
}
