import { readFileSync } from 'node:fs';

/**
 * CPU steal: time the hypervisor gave this machine's virtual cores to other guests. On a shared VM it
 * makes every figure here slower by the same measure, worker and emulator alike, so the table prints
 * it beside the scenarios (Linux only; elsewhere nothing is printed).
 */
export interface CpuTicks {
  steal: number;
  /** Ticks the cores worked or wanted to (all but idle and I/O wait), steal included. */
  busy: number;
}

export function cpuTicks(): CpuTicks | undefined {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    const f = first.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f.length < 8 || f.some((n) => !Number.isFinite(n))) return undefined;
    return { steal: f[7]!, busy: f.reduce((a, b) => a + b, 0) - f[3]! - f[4]! };
  } catch {
    return undefined;
  }
}

/** Steal as a share of the CPU time the machine used or wanted between two readings (undefined when unknown). */
export function stealShare(before: CpuTicks | undefined, after: CpuTicks | undefined): number | undefined {
  if (!before || !after || after.busy <= before.busy) return undefined;
  return (after.steal - before.steal) / (after.busy - before.busy);
}
