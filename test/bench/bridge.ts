import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './rig.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SOLUTION = resolve(root, 'host-bridge/MimGraph.Bridge.slnx');
const DLL = resolve(
  root,
  'host-bridge/bench/MimGraph.Bridge.Bench/bin/Release/net10.0/MimGraph.Bridge.Bench.dll',
);

export interface BridgeResult {
  /** µs of the bridge's own conversion per object (CSEntryChange ↔ protocol JSON); null when unavailable. */
  microsPerObject: { import: number; export: number; mean: number } | null;
  objects: number | null;
  /** Why there is no number. */
  unavailable?: string;
}

function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((ok) => {
    execFile(cmd, args, { cwd: root, timeout: timeoutMs, maxBuffer: 16 << 20 }, (e, out, err) => {
      const code = e ? (typeof e.code === 'number' ? e.code : 1) : 0;
      ok({ code, out: String(out), err: String(err || (e && !out ? e.message : '')) });
    });
  });
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The bridge's conversion cost per object, from the bridge's own benchmark
 * (host-bridge/bench/MimGraph.Bridge.Bench, built with the solution when its dll is missing), which
 * prints `{"microsPerObject":{"import":x,"export":y,"mean":z},"objects":n}`.
 */
export async function benchBridge(quick: boolean): Promise<BridgeResult> {
  const none = (why: string): BridgeResult => {
    log(`bridge: ${why}`);
    return { microsPerObject: null, objects: null, unavailable: why };
  };
  if (!existsSync(DLL)) {
    log('bridge: building host-bridge (Release)');
    const b = await run('dotnet', ['build', SOLUTION, '-c', 'Release', '--nologo', '-v', 'q'], 600_000);
    if (b.code !== 0)
      return none(
        `dotnet build failed (${b.code}): ${(b.out + b.err).trim().split('\n').slice(-3).join(' ')}`,
      );
    if (!existsSync(DLL)) return none(`the build made no ${DLL}`);
  }
  const r = await run('dotnet', [DLL, '--json', ...(quick ? ['--quick'] : [])], 600_000);
  const line = r.out.trim().split('\n').at(-1) ?? '';
  let parsed: { microsPerObject?: { import?: unknown; export?: unknown; mean?: unknown }; objects?: unknown };
  try {
    parsed = JSON.parse(line);
  } catch {
    return none(`the bridge benchmark printed no JSON (exit ${r.code}): '${line.slice(0, 120)}'`);
  }
  const m = parsed.microsPerObject;
  if (!m || !isNum(m.import) || !isNum(m.export) || !isNum(m.mean)) {
    return none(`the bridge benchmark's JSON has no microsPerObject numbers: '${line.slice(0, 120)}'`);
  }
  return {
    microsPerObject: { import: m.import, export: m.export, mean: m.mean },
    objects: isNum(parsed.objects) ? parsed.objects : null,
  };
}
