import { WriteBudget } from '../budget.js';
import { type BehaviourConfig, defaultBehaviour, type EmulatorContext } from '../context.js';
import type { FaultConfig } from '../faults.js';
import { entityType } from '../model/entities.js';
import type { EntityTypeName } from '../model/types.js';

/**
 * /_emulator/*: run-time control for tests and soaks (loopback only, no token):
 *   GET  /_emulator/config            faults, behaviour, write budget
 *   PATCH /_emulator/config           {"faults": {...}, "behaviour": {...}, "writeBudget": {"writes","seconds"} | null}
 *   POST /_emulator/clock             {"advanceSeconds": n}: moves the emulator's clock (token and delta-token ages)
 *   POST /_emulator/resync            every outstanding delta token gets 410 + Location next time
 *   GET  /_emulator/counters          requests, tokens issued, injected faults, budget verdicts
 *   GET  /_emulator/objects?type=user  the directory as stored, with relations, for state comparisons
 */
export function adminRequest(
  ctx: EmulatorContext,
  method: string,
  url: string,
  body: Buffer,
): { status: number; body: unknown } {
  const u = new URL(url, 'https://emulator');
  const path = u.pathname.replace(/^\/_emulator\//, '');
  try {
    const input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    if (path === 'config' && method === 'GET') return { status: 200, body: configOf(ctx) };
    if (path === 'config' && method === 'PATCH') {
      applyConfig(ctx, input);
      return { status: 200, body: configOf(ctx) };
    }
    if (path === 'clock' && method === 'POST') {
      const s = Number(input.advanceSeconds);
      if (!Number.isFinite(s)) throw new Error('advanceSeconds must be a number');
      ctx.clockOffsetMs += s * 1000;
      return { status: 200, body: { now: new Date(ctx.now()).toISOString() } };
    }
    if (path === 'resync' && method === 'POST') {
      ctx.resyncGeneration++;
      return { status: 200, body: { generation: ctx.resyncGeneration } };
    }
    if (path === 'counters' && method === 'GET') {
      return {
        status: 200,
        body: {
          ...ctx.counters,
          budget: ctx.budget ? { accepted: ctx.budget.accepted, throttled: ctx.budget.throttled } : null,
        },
      };
    }
    if (path === 'objects' && method === 'GET') {
      const type = u.searchParams.get('type') ?? 'user';
      entityType(type);
      return { status: 200, body: dumpObjects(ctx, type as EntityTypeName) };
    }
    return { status: 404, body: { error: `unknown admin endpoint ${method} ${u.pathname}` } };
  } catch (e) {
    return { status: 400, body: { error: (e as Error).message } };
  }
}

export function configOf(ctx: EmulatorContext) {
  return { faults: ctx.faults.config, behaviour: ctx.behaviour, writeBudget: ctx.budget?.cfg ?? null };
}

/**
 * Applies a config patch all-or-nothing: every part is validated before anything changes, and unknown
 * keys are refused (a misspelt rate would otherwise be accepted and silently do nothing).
 */
export function applyConfig(
  ctx: EmulatorContext,
  input: { faults?: unknown; behaviour?: unknown; writeBudget?: unknown },
): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new Error('the config patch must be a JSON object');
  const unknown = Object.keys(input).filter((k) => !CONFIG_KEYS.includes(k));
  if (unknown.length > 0)
    throw new Error(`unknown config key(s) ${unknown.join(', ')}; known: ${CONFIG_KEYS.join(', ')}`);

  let behaviour: BehaviourConfig | undefined;
  if (input.behaviour !== undefined) {
    const patch = asObject(input.behaviour, 'behaviour');
    const known = Object.keys(defaultBehaviour);
    const bad = Object.keys(patch).filter((k) => !known.includes(k));
    if (bad.length > 0)
      throw new Error(`unknown behaviour setting(s) ${bad.join(', ')}; known: ${known.join(', ')}`);
    behaviour = { ...ctx.behaviour, ...(patch as Partial<BehaviourConfig>) };
    validateBehaviour(behaviour);
  }
  let budget: WriteBudget | null | undefined;
  if (input.writeBudget !== undefined) {
    if (input.writeBudget === null) budget = null;
    else {
      const wb = asObject(input.writeBudget, 'writeBudget');
      const bad = Object.keys(wb).filter((k) => k !== 'writes' && k !== 'seconds');
      if (bad.length > 0)
        throw new Error(`unknown writeBudget setting(s) ${bad.join(', ')}; known: writes, seconds`);
      budget = new WriteBudget({ writes: wb.writes as number, seconds: wb.seconds as number });
    }
  }
  // Faults last: update() validates before it changes anything, and nothing after it can fail.
  if (input.faults !== undefined) ctx.faults.update(asObject(input.faults, 'faults') as Partial<FaultConfig>);
  if (behaviour) ctx.behaviour = behaviour;
  if (budget !== undefined) ctx.budget = budget ?? undefined;
}

const CONFIG_KEYS = ['faults', 'behaviour', 'writeBudget'];

function asObject(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${name} must be a JSON object`);
  return v as Record<string, unknown>;
}

export function validateBehaviour(b: BehaviourConfig): void {
  for (const key of Object.keys(defaultBehaviour) as (keyof BehaviourConfig)[]) {
    const v = b[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw new Error(`behaviour ${key} must be a positive number, got ${v}`);
  }
  if (b.deltaExpiredStatus !== 400 && b.deltaExpiredStatus !== 410)
    throw new Error('behaviour deltaExpiredStatus must be 400 or 410');
  if (b.removeMissingReferenceStatus !== 400 && b.removeMissingReferenceStatus !== 404) {
    throw new Error('behaviour removeMissingReferenceStatus must be 400 or 404');
  }
}

function dumpObjects(ctx: EmulatorContext, type: EntityTypeName) {
  return [...ctx.store.all(type)].map((o) => ({
    ...o.props,
    ...(o.members ? { members: [...o.members].sort() } : {}),
    ...(o.owners ? { owners: [...o.owners].sort() } : {}),
    ...(type === 'user' ? { manager: o.manager ?? null } : {}),
  }));
}
