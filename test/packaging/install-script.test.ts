import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BRIDGE_PDB, INSTALL_SCRIPT, SETTINGS_FILE } from '../../connector/packaging/bundle.js';
import { BRIDGE_DLL, PACKAGED_MA_FILE } from '../../connector/packaging/packaged-ma.js';

/**
 * Install-MimGraph.ps1 cannot run here (no PowerShell on Linux): its structure is checked instead,
 * including that it copies exactly the files the packager produces, under the same names.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const script = readFileSync(join(root, 'samples/mim', INSTALL_SCRIPT), 'utf8');
/** The script without comments and help, so a step mentioned only in prose does not count. */
const code = script
  .replace(/<#[\s\S]*?#>/g, '')
  .split('\n')
  .map((line) => line.replace(/^\s*#.*$/, ''))
  .join('\n');

/** Brackets left open or closed wrongly, outside strings and comments (PowerShell's quoting rules). */
function bracketErrors(text: string): string[] {
  const pairs: Record<string, string> = { '{': '}', '(': ')', '[': ']' };
  const stack: { ch: string; line: number }[] = [];
  const errors: string[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    else if (text.startsWith('<#', i)) {
      const end = text.indexOf('#>', i);
      line += text.slice(i, end).split('\n').length - 1;
      i = end + 1;
    } else if (c === '#') i = text.indexOf('\n', i) - 1;
    else if (c === "'") {
      let j = i + 1;
      while (text[j] !== "'" || text[j + 1] === "'") j += text[j] === "'" ? 2 : 1;
      line += text.slice(i, j).split('\n').length - 1;
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '`' ? 2 : 1;
      line += text.slice(i, j).split('\n').length - 1;
      i = j;
    } else if (c === '`') i++;
    else if (pairs[c]) stack.push({ ch: c, line });
    else if (Object.values(pairs).includes(c)) {
      const open = stack.pop();
      if (!open || pairs[open.ch] !== c) errors.push(`line ${line}: unexpected ${c}`);
    }
  }
  return [...errors, ...stack.map((s) => `line ${s.line}: ${s.ch} not closed`)];
}

describe('Install-MimGraph.ps1', () => {
  it('is ASCII, for Windows PowerShell 5.1 (which reads a file without BOM as ANSI)', () => {
    expect(/^[\t\n\r\x20-\x7e]*$/.test(script)).toBe(true);
    expect(script.startsWith('#Requires -Version 5.1')).toBe(true);
  });

  it('has balanced brackets outside strings and comments', () => {
    expect(bracketErrors(script)).toEqual([]);
    expect(bracketErrors('if ($a) { "}" }')).toEqual([]);
    expect(bracketErrors("if ($a) { 'x' ")).toEqual(['line 1: { not closed']);
  });

  it('asks once per step: the cmdlets inside a confirmed step do not ask again under -Confirm', () => {
    const steps = code.split('$PSCmdlet.ShouldProcess(').slice(1);
    expect(steps).toHaveLength(4);
    for (const step of steps) expect(step).toMatch(/^[^\n]*\n\s*& \{\n\s*\$ConfirmPreference = 'None'/);
  });

  it('uses no syntax newer than Windows PowerShell 5.1', () => {
    // PowerShell 7 only: ternary, null-coalescing, pipeline chain operators, ForEach-Object -Parallel.
    expect(code).not.toMatch(/\?\?|\s\?\s[^:]+\s:\s|&&|\|\||-Parallel|\$\?\./);
    expect(code).not.toMatch(/ConvertFrom-Json\s+-AsHashtable|-Depth\s+\d+\s*-AsHashtable/);
  });

  it('takes -SyncServicePath, -ConnectorFolder and -NodePath and supports -WhatIf', () => {
    expect(code).toMatch(/\[CmdletBinding\(SupportsShouldProcess\s*=\s*\$true\)\]/);
    const params = code.slice(code.indexOf('param('), code.indexOf('\n)', code.indexOf('param(')) + 2);
    expect(params).toMatch(/\[string\]\$SyncServicePath\b/);
    expect(params).toMatch(/\[string\]\$ConnectorFolder\s*=\s*\(Join-Path \$env:ProgramFiles 'mimgraph'\)/);
    expect(params).toMatch(/\[string\]\$NodePath\b/);
    // Every change goes through ShouldProcess: connector, bridge, settings, packaged MA.
    expect(code.match(/\$PSCmdlet\.ShouldProcess\(/g)?.length).toBe(4);
  });

  it('checks administrator rights', () => {
    expect(code).toMatch(/IsInRole\(\[Security\.Principal\.WindowsBuiltInRole\]::Administrator\)/);
  });

  it('finds the Synchronization Service folder in the registry when it is not given', () => {
    expect(code).toContain(
      "'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\FIMSynchronizationService\\Parameters'",
    );
    expect(code).toMatch(/Get-ItemProperty -Path \$SyncRegistryKey -Name 'Path'/);
    expect(code).toMatch(/Join-Path \$SyncServicePath 'Extensions'/);
    expect(code).toMatch(/Join-Path \$SyncServicePath 'UIShell\\XMLs\\PackagedMAs'/);
  });

  it('checks that Node.js 20 or later is there', () => {
    expect(code).toMatch(/\$MinimumNodeMajor = 20\b/);
    expect(code).toMatch(/& \$NodePath --version/);
    expect(code).toMatch(/-lt \$MinimumNodeMajor/);
  });

  it('copies the files the packager produces, under the same names', () => {
    expect(code).toContain(`$BridgeDll = '${BRIDGE_DLL}'`);
    expect(code).toContain(`$BridgePdb = '${BRIDGE_PDB}'`);
    expect(code).toContain(`$SettingsFile = '${SETTINGS_FILE}'`);
    expect(code).toContain(`$PackagedMaFile = '${PACKAGED_MA_FILE}'`);
    expect(code).toContain("$ConnectorItems = @('dist', 'schemas', 'node_modules', 'package.json')");
    // Sources in the bundle: connector\..., bridge\..., the packaged MA at the top.
    expect(code).toMatch(/Join-Path \$bundle "connector\\\$item"/);
    expect(code).toMatch(/Join-Path \$bundle "bridge\\\$BridgeDll"/);
    expect(code).toMatch(/Join-Path \$bundle "bridge\\\$SettingsFile"/);
    expect(code).toMatch(/Join-Path \$bundle \$PackagedMaFile/);
    // Destinations.
    expect(code).toMatch(/Copy-Item [^\n]*"bridge\\\$BridgeDll"\) -Destination \$extensions/);
    expect(code).toMatch(/\$settingsPath = Join-Path \$extensions \$SettingsFile/);
    expect(code).toMatch(/Copy-Item [^\n]*\$PackagedMaFile\) -Destination \$packagedMas/);
  });

  it('upgrades the connector in place through a staging folder and rolls back on failure', () => {
    expect(code).toMatch(/\$staging = "\$ConnectorFolder\.staging"/);
    expect(code).toMatch(/\$previous = "\$ConnectorFolder\.previous"/);
    const copy = code.indexOf('-Destination $staging');
    const swap = code.indexOf('Move-Item -LiteralPath (Join-Path $staging $item) -Destination $current');
    expect(copy).toBeGreaterThan(0);
    expect(swap).toBeGreaterThan(copy);
    expect(code).toMatch(
      /catch \{[\s\S]*Move-Item -LiteralPath \(Join-Path \$previous \$item\) -Destination \$current/,
    );
    // Only the shipped items are replaced: the folder itself is never deleted.
    expect(code).not.toMatch(/Remove-Item -LiteralPath \$ConnectorFolder\b/);
  });

  it('writes nodePath and connectorFolder into the settings and keeps the other keys of an existing file', () => {
    expect(code).toMatch(/if \(Test-Path -LiteralPath \$settingsPath\)/);
    expect(code).toMatch(/\$settings\['nodePath'\] = \$NodePath/);
    expect(code).toMatch(/\$settings\['connectorFolder'\] = \$ConnectorFolder/);
    expect(code).toMatch(/UTF8Encoding\(\$false\)/); // no BOM
  });

  it('prints what it did and the versions, and never stops the service', () => {
    expect(code).toMatch(/Write-Step "versions: connector/);
    expect(code).toMatch(/Write-Step "done: \$line"/);
    expect(code).not.toMatch(/Stop-Service|Restart-Service|net stop/i);
  });
});
