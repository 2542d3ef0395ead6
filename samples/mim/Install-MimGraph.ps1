#Requires -Version 5.1
<#
.SYNOPSIS
    Installs or upgrades mimgraph (the Microsoft Graph connector for MIM 2016) on a MIM Synchronization
    Service server, from the expanded bundle this script is part of.

.DESCRIPTION
    1. Checks that it runs elevated and that Node.js 20 or later is installed.
    2. Copies connector\ to -ConnectorFolder. An existing install is upgraded in place: the new dist\,
       schemas\, node_modules\ and package.json are staged beside the folder first and then swapped in
       by renames; any other file in the folder (your own settings, logs) is kept.
    3. Copies MimGraph.Bridge.dll (and its .pdb) into <sync>\Extensions. MIM shadow-copies extension
       DLLs (ExtensionsCache), so replacing the DLL while the service runs is safe; runs started
       afterwards load the new one.
    4. Writes MimGraph.Bridge.settings.json beside the DLL with nodePath and connectorFolder. On an
       upgrade every other key of the existing settings file is kept.
    5. Copies MimGraph.PackagedMA.xml to <sync>\UIShell\XMLs\PackagedMAs, so "Graph (mimgraph)"
       appears in Synchronization Service Manager > Management Agents > Create.
    The Synchronization Service is not stopped. Do not upgrade while a run of a mimgraph MA is in
    progress: the bridge refuses a worker of another version, so such a run would fail.
    Supports -WhatIf and -Confirm.

.PARAMETER SyncServicePath
    The Synchronization Service install folder. Default: the Path value of
    HKLM:\SYSTEM\CurrentControlSet\Services\FIMSynchronizationService\Parameters.

.PARAMETER ConnectorFolder
    Where the Node.js connector goes. Default: $env:ProgramFiles\mimgraph.

.PARAMETER NodePath
    Full path of node.exe. Default: node.exe found on PATH, else $env:ProgramFiles\nodejs\node.exe.
    The Synchronization Service account starts it, so it must be readable by that account.

.EXAMPLE
    powershell.exe -ExecutionPolicy Bypass -File .\Install-MimGraph.ps1 -WhatIf
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [string]$SyncServicePath,
    [string]$ConnectorFolder = (Join-Path $env:ProgramFiles 'mimgraph'),
    [string]$NodePath
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$MinimumNodeMajor = 20
$BridgeDll = 'MimGraph.Bridge.dll'
$BridgePdb = 'MimGraph.Bridge.pdb'
$SettingsFile = 'MimGraph.Bridge.settings.json'
$PackagedMaFile = 'MimGraph.PackagedMA.xml'
$ConnectorItems = @('dist', 'schemas', 'node_modules', 'package.json')
$SyncRegistryKey = 'HKLM:\SYSTEM\CurrentControlSet\Services\FIMSynchronizationService\Parameters'
$SyncRegistryKeyAlt = 'HKLM:\SOFTWARE\Microsoft\Forefront Identity Manager\2010\Synchronization Service'

$bundle = $PSScriptRoot
$done = New-Object System.Collections.Generic.List[string]

function Write-Step([string]$Text) {
    Write-Host "mimgraph: $Text"
}

function Write-Utf8NoBom([string]$Path, [string]$Text) {
    # Windows PowerShell 5.1's Set-Content -Encoding UTF8 writes a BOM; the bridge expects plain UTF-8.
    [System.IO.File]::WriteAllText($Path, $Text, (New-Object System.Text.UTF8Encoding($false)))
}

function Get-JsonVersion([string]$PackageJson) {
    if (-not (Test-Path -LiteralPath $PackageJson -PathType Leaf)) { return $null }
    return (Get-Content -LiteralPath $PackageJson -Raw -Encoding UTF8 | ConvertFrom-Json).version
}

# --- 1. Preconditions -------------------------------------------------------------------------------

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'Run this script from an elevated PowerShell (Run as administrator): it writes to the Synchronization Service folder and to Program Files.'
}

foreach ($required in @("connector\package.json", "connector\dist\connector\worker\main.js", "connector\node_modules",
        "bridge\$BridgeDll", "bridge\$SettingsFile", $PackagedMaFile)) {
    if (-not (Test-Path -LiteralPath (Join-Path $bundle $required))) {
        throw "The bundle is incomplete: $required is missing next to $($MyInvocation.MyCommand.Name). Expand the whole mimgraph zip and run the script from it."
    }
}
$newVersion = Get-JsonVersion (Join-Path $bundle 'connector\package.json')

if (-not $SyncServicePath) {
    $key = Get-ItemProperty -Path $SyncRegistryKey -Name 'Path' -ErrorAction SilentlyContinue
    if ($key -and $key.Path) {
        $SyncServicePath = $key.Path
    } else {
        $key = Get-ItemProperty -Path $SyncRegistryKeyAlt -Name 'Location' -ErrorAction SilentlyContinue
        if ($key -and $key.Location) { $SyncServicePath = $key.Location }
    }
    if (-not $SyncServicePath) {
        throw "The MIM Synchronization Service is not installed here (no Path under $SyncRegistryKey). Pass -SyncServicePath."
    }
}
$SyncServicePath = $SyncServicePath.TrimEnd('\')
$extensions = Join-Path $SyncServicePath 'Extensions'
$packagedMas = Join-Path $SyncServicePath 'UIShell\XMLs\PackagedMAs'
if (-not (Test-Path -LiteralPath $extensions -PathType Container)) {
    throw "$extensions does not exist: is $SyncServicePath the Synchronization Service folder?"
}

# Node.js: the bridge starts node.exe as the Synchronization Service account, by full path.
if (-not $NodePath) {
    $onPath = Get-Command 'node.exe' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($onPath) { $NodePath = $onPath.Path } else { $NodePath = Join-Path $env:ProgramFiles 'nodejs\node.exe' }
}
if (-not (Test-Path -LiteralPath $NodePath -PathType Leaf)) {
    throw "Node.js was not found at $NodePath. Install Node.js $MinimumNodeMajor LTS or later (the MSI from nodejs.org works offline) or pass -NodePath."
}
$NodePath = (Resolve-Path -LiteralPath $NodePath).ProviderPath
$nodeVersion = (& $NodePath --version | Out-String).Trim()
$nodeMajor = 0
if ($nodeVersion -match '^v(\d+)\.') { $nodeMajor = [int]$Matches[1] } else {
    throw "$NodePath --version printed '$nodeVersion', not a Node.js version."
}
if ($nodeMajor -lt $MinimumNodeMajor) {
    throw "Node.js $nodeVersion at $NodePath is too old: mimgraph needs Node.js $MinimumNodeMajor or later."
}

$ConnectorFolder = $ConnectorFolder.TrimEnd('\')
$oldVersion = Get-JsonVersion (Join-Path $ConnectorFolder 'package.json')
$oldBridge = Join-Path $extensions $BridgeDll
$oldBridgeVersion = $null
if (Test-Path -LiteralPath $oldBridge) { $oldBridgeVersion = (Get-Item -LiteralPath $oldBridge).VersionInfo.FileVersion }

Write-Step "installing version $newVersion (Node.js $nodeVersion at $NodePath)"
Write-Step "Synchronization Service: $SyncServicePath"
if ($oldVersion) { Write-Step "upgrading connector $oldVersion in $ConnectorFolder" } else { Write-Step "new install in $ConnectorFolder" }

# --- 2. The connector, upgraded in place through a staging folder -----------------------------------

if ($PSCmdlet.ShouldProcess($ConnectorFolder, "Install connector $newVersion (dist, schemas, node_modules, package.json)")) {
    & {
        $ConfirmPreference = 'None' # asked once above; the cmdlets below must not ask again
        $staging = "$ConnectorFolder.staging"
        $previous = "$ConnectorFolder.previous"
        foreach ($leftover in @($staging, $previous)) {
            if (Test-Path -LiteralPath $leftover) { Remove-Item -LiteralPath $leftover -Recurse -Force }
        }
        # Copy first (slow, may fail halfway without harm), then swap by renames on the same volume.
        New-Item -ItemType Directory -Path $staging -Force | Out-Null
        foreach ($item in $ConnectorItems) {
            Copy-Item -LiteralPath (Join-Path $bundle "connector\$item") -Destination $staging -Recurse -Force
        }
        New-Item -ItemType Directory -Path $ConnectorFolder -Force | Out-Null
        New-Item -ItemType Directory -Path $previous -Force | Out-Null
        $moved = New-Object System.Collections.Generic.List[string]
        try {
            foreach ($item in $ConnectorItems) {
                $current = Join-Path $ConnectorFolder $item
                if (Test-Path -LiteralPath $current) {
                    Move-Item -LiteralPath $current -Destination (Join-Path $previous $item)
                    $moved.Add($item)
                }
                Move-Item -LiteralPath (Join-Path $staging $item) -Destination $current
            }
        } catch {
            $reason = $_.Exception.Message
            # Put the previous version back as it was.
            foreach ($item in $ConnectorItems) {
                $current = Join-Path $ConnectorFolder $item
                if ($moved.Contains($item)) {
                    if (Test-Path -LiteralPath $current) { Remove-Item -LiteralPath $current -Recurse -Force }
                    Move-Item -LiteralPath (Join-Path $previous $item) -Destination $current
                }
            }
            throw "Could not replace the connector in ${ConnectorFolder}: $reason. The previous version was restored. Is a mimgraph run (node.exe) using the folder? Wait for it to end and run the script again."
        }
        foreach ($leftover in @($previous, $staging)) {
            try {
                Remove-Item -LiteralPath $leftover -Recurse -Force
            } catch {
                Write-Warning "The new connector is in place, but $leftover could not be removed ($($_.Exception.Message)); delete it later."
            }
        }
        $done.Add("connector $newVersion -> $ConnectorFolder")
    }
}

# --- 3. The bridge, into the Extensions folder --------------------------------------------------------

if ($PSCmdlet.ShouldProcess($extensions, "Copy $BridgeDll and $BridgePdb")) {
    & {
        $ConfirmPreference = 'None' # asked once above; the cmdlets below must not ask again
        Copy-Item -LiteralPath (Join-Path $bundle "bridge\$BridgeDll") -Destination $extensions -Force
        $pdb = Join-Path $bundle "bridge\$BridgePdb"
        if (Test-Path -LiteralPath $pdb) { Copy-Item -LiteralPath $pdb -Destination $extensions -Force }
        $done.Add("$BridgeDll -> $extensions")
    }
}

# --- 4. The bridge settings beside the DLL ------------------------------------------------------------

$settingsPath = Join-Path $extensions $SettingsFile
$settings = [ordered]@{}
(Get-Content -LiteralPath (Join-Path $bundle "bridge\$SettingsFile") -Raw -Encoding UTF8 | ConvertFrom-Json).PSObject.Properties |
    ForEach-Object { $settings[$_.Name] = $_.Value }
if (Test-Path -LiteralPath $settingsPath) {
    # Upgrade: keep what the administrator set (channel, timeouts, log file...).
    (Get-Content -LiteralPath $settingsPath -Raw -Encoding UTF8 | ConvertFrom-Json).PSObject.Properties |
        ForEach-Object { $settings[$_.Name] = $_.Value }
}
$settings['nodePath'] = $NodePath
$settings['connectorFolder'] = $ConnectorFolder
if ($PSCmdlet.ShouldProcess($settingsPath, "Write $SettingsFile (nodePath, connectorFolder)")) {
    & {
        $ConfirmPreference = 'None' # asked once above; the cmdlets below must not ask again
        Write-Utf8NoBom $settingsPath (($settings | ConvertTo-Json -Depth 5) + "`r`n")
        $done.Add("$SettingsFile -> $settingsPath")
    }
}

# --- 5. The packaged MA, so "Graph (mimgraph)" is offered in Create Management Agent ----------------

if ($PSCmdlet.ShouldProcess($packagedMas, "Register $PackagedMaFile")) {
    & {
        $ConfirmPreference = 'None' # asked once above; the cmdlets below must not ask again
        New-Item -ItemType Directory -Path $packagedMas -Force | Out-Null
        Copy-Item -LiteralPath (Join-Path $bundle $PackagedMaFile) -Destination $packagedMas -Force
        $done.Add("$PackagedMaFile -> $packagedMas")
    }
}

# --- Summary ------------------------------------------------------------------------------------------

foreach ($line in $done) { Write-Step "done: $line" }
$installedBridge = 'none'
if (Test-Path -LiteralPath $oldBridge) { $installedBridge = (Get-Item -LiteralPath $oldBridge).VersionInfo.FileVersion }
$installedVersion = Get-JsonVersion (Join-Path $ConnectorFolder 'package.json')
if (-not $installedVersion) { $installedVersion = 'none' }
$wasVersion = 'none'
if ($oldVersion) { $wasVersion = $oldVersion }
$wasBridge = 'none'
if ($oldBridgeVersion) { $wasBridge = $oldBridgeVersion }
Write-Step "versions: connector $installedVersion (was $wasVersion), bridge $installedBridge (was $wasBridge), Node.js $nodeVersion"
if ($oldVersion) {
    Write-Step 'existing MAs: open each mimgraph MA''s properties and refresh interfaces if the capabilities changed; runs pick up the new version by themselves.'
} else {
    Write-Step 'next: reopen Synchronization Service Manager, Management Agents > Create > "Graph (mimgraph)".'
}
Write-Step 'the Synchronization Service account needs read access to the connector folder and to node.exe.'
