import { randomUUID } from 'node:crypto';
import { PARAM } from '../../connector/config/parse.js';
import type { CSEntryChange } from '../../connector/model/ecma.js';
import { spawnEmulator } from './emulator-process.js';
import { exportRun } from './export.js';
import { connectorConfig, dataFolder, detectSchema, EmuClient, log, round, Worker } from './rig.js';

export interface BudgetResult {
  /** The write budget the emulator enforces and the connector is configured with (Graph's 3,000 / 150 s, scaled). */
  budgetWrites: number;
  budgetSeconds: number;
  latencyMs: number;
  /** Entries exported (user updates: one write each). */
  entries: number;
  /** Writes the emulator accepted while the export ran. */
  writes: number;
  seconds: number;
  /** Writes per second achieved, over the export (first putExportEntries … end of closeExport). */
  writesPerSecond: number;
  /** writesPerSecond / (budgetWrites / budgetSeconds). */
  fractionOfBudget: number;
  /** 429s the emulator's budget answered. */
  throttled429: number;
  errors: number;
}

/**
 * Export under a write budget the emulator enforces (a sliding window per app, 429 + Retry-After past
 * it), the connector configured with the same budget: how much of the budget the governor uses, and
 * whether it ever trips it.
 */
export async function benchBudget(quick: boolean): Promise<BudgetResult> {
  const budgetWrites = quick ? 100 : 200;
  const budgetSeconds = quick ? 5 : 10;
  // Several windows' worth, so the start (an empty window, the bucket's small burst) weighs little.
  const entries = quick ? 150 : 1_000;
  const latencyMs = 50;
  const emu = await spawnEmulator([
    '--users',
    String(Math.max(2_000, entries)),
    '--groups',
    '10',
    '--seed',
    '4',
    '--write-budget',
    `${budgetWrites}/${budgetSeconds}`,
  ]);
  const client = new EmuClient(emu);
  const worker = await Worker.start(dataFolder());
  try {
    const users = await client.ids('users');
    const config = connectorConfig(emu, { [PARAM.writeBudget]: `${budgetWrites}/${budgetSeconds}` });
    const schema = await detectSchema(worker, config);
    await client.setLatency(latencyMs);
    const changes: CSEntryChange[] = users.slice(0, entries).map((id, i) => ({
      identifier: randomUUID(),
      objectType: 'user',
      modification: 'Update',
      dn: id,
      anchors: [{ name: 'id', value: { type: 'String', value: id } }],
      attributes: [
        {
          name: 'jobTitle',
          modification: 'Replace',
          values: [{ modification: 'Add', value: { type: 'String', value: `Budget ${i}` } }],
        },
      ],
    }));
    log(`budget: ${entries} updates under ${budgetWrites} writes / ${budgetSeconds} s at ${latencyMs} ms`);
    const before = await client.counters();
    const run = await exportRun(worker, config, schema, changes);
    const after = await client.counters();
    const writes = (after.budget?.accepted ?? 0) - (before.budget?.accepted ?? 0);
    const throttled = (after.budget?.throttled ?? 0) - (before.budget?.throttled ?? 0);
    const wps = writes / run.seconds;
    return {
      budgetWrites,
      budgetSeconds,
      latencyMs,
      entries,
      writes,
      seconds: round(run.seconds, 2),
      writesPerSecond: round(wps, 2),
      fractionOfBudget: round(wps / (budgetWrites / budgetSeconds), 3),
      throttled429: throttled,
      errors: run.errors,
    };
  } finally {
    await worker.stop();
    await client.close();
    await emu.stop();
  }
}
