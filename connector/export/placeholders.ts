import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../runtime/log.js';

/**
 * Provisioning DNs → Graph ids. MIM keeps the DN provisioning chose (a placeholder) until the
 * confirming import renames the object to its id, and sends references to it by that DN meanwhile,
 * possibly in a later run. The map lives in a small JSON file in the state folder, written atomically
 * (temporary file + rename) after every change; entries older than RETENTION_DAYS are dropped.
 *
 * The same file records creates that were sent and not yet answered: a worker that dies there (MIM's
 * process stopped, the worker killed) leaves them behind, and the next export of that DN looks the
 * object up before creating it again, instead of failing on the object its predecessor created.
 */
export const PLACEHOLDER_FILE = 'export-placeholders.json';
const RETENTION_DAYS = 90;

export interface PlaceholderEntry {
  readonly id: string;
  readonly objectType: string;
  /** ISO time the object was created. */
  readonly created: string;
}

/** A create sent for a provisioning DN whose answer was not (yet) seen. */
export interface SendingEntry {
  readonly objectType: string;
  /** ISO time the create was sent. */
  readonly sent: string;
}

interface FileShape {
  version: 1;
  entries: Record<string, PlaceholderEntry>;
  sending?: Record<string, SendingEntry>;
}

export class PlaceholderMap {
  private readonly entries = new Map<string, PlaceholderEntry>();
  private readonly inFlight = new Map<string, SendingEntry>();
  private readonly path: string | undefined;

  private constructor(
    stateDir: string | undefined,
    private readonly log: Logger,
  ) {
    this.path = stateDir ? join(stateDir, PLACEHOLDER_FILE) : undefined;
  }

  static load(stateDir: string | undefined, log: Logger, now = Date.now()): PlaceholderMap {
    const map = new PlaceholderMap(stateDir, log);
    if (!map.path) {
      log.debug('no state folder: placeholder DNs of new objects are remembered for this run only');
      return map;
    }
    let text: string;
    try {
      text = readFileSync(map.path, 'utf8');
    } catch {
      return map;
    }
    try {
      const data = JSON.parse(text) as FileShape;
      const cutoff = now - RETENTION_DAYS * 86_400_000;
      for (const [dn, e] of Object.entries(data.entries ?? {})) {
        if (typeof e?.id === 'string' && Date.parse(e.created) >= cutoff) map.entries.set(key(dn), e);
      }
      for (const [dn, e] of Object.entries(data.sending ?? {})) {
        if (typeof e?.objectType === 'string' && Date.parse(e.sent) >= cutoff) map.inFlight.set(key(dn), e);
      }
    } catch (e) {
      log.warn('the placeholder state file is unreadable and is started afresh', {
        file: map.path,
        error: (e as Error).message,
      });
    }
    return map;
  }

  get(dn: string): PlaceholderEntry | undefined {
    return this.entries.get(key(dn));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records a new object's id under its provisioning DN and saves the file. */
  set(dn: string, id: string, objectType: string, now = Date.now()): void {
    this.entries.set(key(dn), { id, objectType, created: new Date(now).toISOString() });
    this.save();
  }

  /** Several at once, one write; their creates are answered. */
  setMany(items: readonly { dn: string; id: string; objectType: string }[], now = Date.now()): void {
    if (items.length === 0) return;
    for (const i of items) {
      this.entries.set(key(i.dn), {
        id: i.id,
        objectType: i.objectType,
        created: new Date(now).toISOString(),
      });
      this.inFlight.delete(key(i.dn));
    }
    this.save();
  }

  /** When a create for this DN was sent without its answer being seen (by this worker or one that died). */
  sending(dn: string): number | undefined {
    const e = this.inFlight.get(key(dn));
    return e ? Date.parse(e.sent) : undefined;
  }

  /** Records creates about to be sent, saved before they go. */
  markSending(items: readonly { dn: string; objectType: string }[], now = Date.now()): void {
    if (items.length === 0) return;
    for (const i of items)
      this.inFlight.set(key(i.dn), { objectType: i.objectType, sent: new Date(now).toISOString() });
    this.save();
  }

  /** Creates Graph answered with a failure: nothing of theirs can exist. */
  answered(dns: readonly string[]): void {
    let changed = false;
    for (const dn of dns) changed = this.inFlight.delete(key(dn)) || changed;
    if (changed) this.save();
  }

  private save(): void {
    if (!this.path) return;
    const data: FileShape = {
      version: 1,
      entries: Object.fromEntries(this.entries),
      ...(this.inFlight.size > 0 ? { sending: Object.fromEntries(this.inFlight) } : {}),
    };
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(join(this.path, '..'), { recursive: true });
      writeFileSync(tmp, `${JSON.stringify(data, null, 1)}\n`, { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch (e) {
      this.log.warn(
        'could not save the placeholder state file; references to new objects may need the confirming import first',
        {
          file: this.path,
          error: (e as Error).message,
        },
      );
    }
  }
}

/** MIM compares DNs case-insensitively for the Generic style. */
const key = (dn: string) => dn.trim().toLowerCase();
