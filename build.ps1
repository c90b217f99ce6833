#!/usr/bin/env pwsh
# The one entry point: dotnet tool restore && dotnet pwsh ./build.ps1 <task>
#   build     native library (CMake) and every C# project
#   test      build, then ctest and xunit; ends with "N passed, N failed"
#   run       build and run the demo (samples/demo, C#; the C demo samples/c-demo still builds)
#   generate  regenerate the P/Invoke bindings from the public header
#   pack      the NuGet packages build/packages/PageAlloc.<version>.nupkg and PageAlloc.AspNetCore.<version>.nupkg
#             (+ .snupkg symbols) and the pagealloc tool's PageAlloc.Cli.<version>.nupkg
#   bench     C harness + BenchmarkDotNet, then docs/BENCHMARKS.md and docs/bench-batch.png (~5 min)
#   fuzz      libFuzzer over the random-operation driver for -Seconds (default 600)
#   stress    the bench-sized stress run (10^7 operations; -Seconds unused)
#   load      the Kestrel sample under wrk and h2load on 127.0.0.1, Kestrel's pool and page pools side
#             by side in 3 alternating rounds of -Seconds (default 10) per workload, then 10 s idle;
#             zeroing on return timed on one server switched off and on; then the fault run;
#             writes docs/LOAD.md, docs/load.png and docs/load-rss.png
#   clean     remove build output
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'run', 'generate', 'clean', 'pack', 'bench', 'fuzz', 'stress', 'load')]
    [string] $Task = 'build',
    [string] $Configuration = 'Release',
    [int] $Seconds = 0
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$NativeBuild = Join-Path $Root 'build/native'
$Jobs = [Environment]::ProcessorCount
$BenchFont = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'

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
    return Read-CtestCounts $log
}

# Installs, with the machine's package manager, the tools the tests use that a
# fresh machine may lack (pkg-config for the installed-package test, valgrind for memcheck,
# perf for the test of pagealloc record).
function Install-TestTools {
    $missing = @([pscustomobject]@{ Command = 'pkg-config'; Package = 'pkgconf' },
        [pscustomobject]@{ Command = 'valgrind'; Package = 'valgrind' },
        [pscustomobject]@{ Command = 'perf'; Package = 'linux-perf' } |
        Where-Object { -not (Get-Command $_.Command -ErrorAction SilentlyContinue) })
    if ($missing.Count -eq 0) { return }
    if (-not (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        throw "missing $($missing.Command -join ', ') and no apt-get to install it with"
    }
    Invoke-AptGet @('update', '-q')
    Invoke-AptGet (@('install', '-y', '-q', '--no-install-recommends') + $missing.Package)
}

function Invoke-AptGet([string[]] $Arguments) {
    if ((& id -u) -eq '0') { Invoke-Checked apt-get $Arguments }
    else { Invoke-Checked sudo (@('apt-get') + $Arguments) }
}

# Builds every C# project (PageAlloc.csproj also builds libpagealloc.so with CMake, incrementally).
function Build-Managed {
    Invoke-Checked dotnet @('build', (Join-Path $Root 'PageAllocInterop.sln'), '-c', $Configuration)
}

# Runs every xunit project of the solution; returns @(passed, failed) summed from the .trx
# files of this run (a run that wrote none counts as one failure).
function Test-Managed {
    $results = Join-Path $Root 'build/test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    & dotnet test (Join-Path $Root 'PageAllocInterop.sln') -c $Configuration --no-build `
        --logger 'trx' --logger 'console;verbosity=normal' --results-directory $results 2>&1 | Out-Host
    $trx = @(Get-ChildItem -Path $results -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue)
    if ($trx.Count -eq 0) { return @(0, 1) }
    $passed = 0; $failed = 0
    foreach ($file in $trx) {
        $counters = ([xml](Get-Content -Raw -LiteralPath $file.FullName)).TestRun.ResultSummary.Counters
        $passed += [int]$counters.passed
        # A skipped test is a check that did not run: it counts as failed.
        $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted +
            [int]$counters.notExecuted
    }
    return @($passed, $failed)
}

# Regenerates the raw P/Invoke layer (bindings/PageAlloc/Generated) and its layout tests
# (tests/PageAlloc.Generated.Tests/Generated) from the public header, with libclang.
function Invoke-Generate {
    Invoke-Checked dotnet @('run', '--project', (Join-Path $Root 'bindings/PageAlloc.Generator'), '-c', $Configuration, '--',
        '--header', (Join-Path $Root 'native/include/pagealloc/pagealloc.h'),
        '--include', (Join-Path $Root 'native/include'),
        '--out', (Join-Path $Root 'bindings/PageAlloc/Generated'),
        '--tests-out', (Join-Path $Root 'tests/PageAlloc.Generated.Tests/Generated'))
}

# Packs bindings/PageAlloc (assembly, XML docs, README, runtimes/linux-x64/native/libpagealloc.so)
# bindings/PageAlloc.AspNetCore (which depends on it) and the pagealloc tool (tools/PageAlloc.Cli, a
# .NET tool carrying the same native library) into build/packages, replacing older packages there
# (the package tests restore the ones left).
function Invoke-Pack([switch] $NoBuild) {
    $packages = Join-Path $Root 'build/packages'
    if (Test-Path $packages) { Remove-Item -Force (Join-Path $packages 'PageAlloc.*nupkg') }
    foreach ($project in 'bindings/PageAlloc/PageAlloc.csproj', 'bindings/PageAlloc.AspNetCore/PageAlloc.AspNetCore.csproj',
        'tools/PageAlloc.Cli/PageAlloc.Cli.csproj') {
        $arguments = @('pack', (Join-Path $Root $project), '-c', $Configuration, '-o', $packages)
        if ($NoBuild -and $project -notlike 'tools/*') { $arguments += '--no-build' }
        Invoke-Checked dotnet $arguments
    }
    # The tool's package above only points at its linux-x64 package, which holds the tool compiled
    # to native code (Native AOT): .NET packs an AOT tool's RID packages one RID at a time.
    Invoke-Checked dotnet @('pack', (Join-Path $Root 'tools/PageAlloc.Cli/PageAlloc.Cli.csproj'), '-c', $Configuration,
        '-r', 'linux-x64', '-o', $packages)
}

# Installs what `bench` needs and may lack: valgrind (instruction counts), the peers mimalloc,
# jemalloc and DPDK's rte_mempool (dpdk-dev, linked through pkg-config; optional: the report
# says which ran) and a TrueType font for the chart.
function Install-BenchTools {
    $apt = [bool](Get-Command apt-get -ErrorAction SilentlyContinue)
    $required = @()
    if (-not (Get-Command valgrind -ErrorAction SilentlyContinue)) { $required += 'valgrind' }
    if (-not (Test-Path $BenchFont)) { $required += 'fonts-dejavu-core' }
    $optional = @(@{ Lib = 'libmimalloc.so.2'; Package = 'libmimalloc2.0' }, @{ Lib = 'libjemalloc.so.2'; Package = 'libjemalloc2' } |
        Where-Object { -not (& ldconfig -p | Select-String -SimpleMatch $_.Lib) } | ForEach-Object { $_.Package })
    $hasDpdk = $false
    if (Get-Command pkg-config -ErrorAction SilentlyContinue) { & pkg-config --exists libdpdk; $hasDpdk = $LASTEXITCODE -eq 0 }
    if (-not $hasDpdk) { $optional += @('pkgconf', 'dpdk-dev') }
    if ($required.Count + $optional.Count -eq 0) { return }
    if (-not $apt) {
        if ($required.Count -gt 0) { throw "bench needs $($required -join ', ') and there is no apt-get to install it with" }
        Write-Warning "no apt-get: peers $($optional -join ', ') will be reported as not run"
        return
    }
    Invoke-AptGet @('update', '-q')
    if ($required.Count -gt 0) { Invoke-AptGet (@('install', '-y', '-q', '--no-install-recommends') + $required) }
    foreach ($package in $optional) {
        try { Invoke-AptGet @('install', '-y', '-q', '--no-install-recommends', $package) }
        catch { Write-Warning "could not install $package ($_); the report lists it as not run" }
    }
}

# Release build of the library and the C harness (bench/c), apart from the test build.
# Runs every benchmark into build/bench, then writes docs/BENCHMARKS.md and docs/bench-batch.png.
function Invoke-Bench {
    Install-BenchTools
    $benchNative = Join-Path $Root 'build/bench-native'
    $results = Join-Path $Root 'build/bench'
    Invoke-Checked cmake @('-S', $Root, '-B', $benchNative, '-DCMAKE_BUILD_TYPE=Release', '-DPAGEALLOC_BUILD_TESTS=OFF',
        '-DPAGEALLOC_BUILD_DEMO=OFF', '-DPAGEALLOC_BUILD_BENCH=ON')
    Invoke-Checked cmake @('--build', $benchNative, '--parallel', "$Jobs")
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    New-Item -ItemType Directory -Force -Path $results | Out-Null
    $harness = Join-Path $benchNative 'bench/c/pagealloc-bench'

    $info = @(& $harness info)
    if ($LASTEXITCODE -ne 0) { throw "pagealloc-bench info failed" }
    $cmakeVersion = ((& cmake --version) | Select-Object -First 1) -replace '^cmake version ', ''
    $commit = (& git -C $Root rev-parse --short HEAD 2>$null) ?? 'unknown'
    $info += @('build_type,Release', "cmake,$cmakeVersion", "commit,$commit")
    Set-Content -Path (Join-Path $results 'info.csv') -Value $info

    Invoke-Checked $harness @('timing', '--reps', '11', '--csv', (Join-Path $results 'timing.csv'),
        '--md', (Join-Path $results 'timing.md'), '--peers', (Join-Path $results 'peers.csv'))
    Invoke-Checked $harness @('callgrind', '--out', (Join-Path $results 'callgrind.csv'),
        '--functions', (Join-Path $results 'callgrind-functions.csv'))
    Invoke-Checked $harness @('threads', '--reps', '7', '--out', (Join-Path $results 'threads.csv'))
    Invoke-Checked $harness @('create', '--reps', '7', '--out', (Join-Path $results 'create.csv'))

    # The C# benchmarks load the Release library built above, like the C harness.
    $benchProject = Join-Path $Root 'bench/PageAlloc.Benchmarks'
    Invoke-Checked dotnet @('build', $benchProject, '-c', 'Release')
    $benchOut = Join-Path $benchProject 'bin/Release/net10.0'
    [System.IO.File]::Copy((Join-Path $benchNative 'libpagealloc.so'), (Join-Path $benchOut 'libpagealloc.so'), $true)
    Invoke-Checked dotnet @((Join-Path $benchOut 'PageAlloc.Benchmarks.dll'), '--out', (Join-Path $results 'csharp'))

    Invoke-Checked dotnet @('run', '--project', (Join-Path $Root 'bench/PageAlloc.BenchReport'), '-c', 'Release', '--',
        '--in', $results, '--docs', (Join-Path $Root 'docs'), '--font', $BenchFont)
}

# --- Reliability (docs/RELIABILITY.md) ---

# Reads "N% tests passed, N tests failed out of N" from a ctest log: @(passed, failed);
# no summary (nothing ran, or ctest broke) counts as one failure.
function Read-CtestCounts([string] $Log) {
    $summary = Select-String -Path $Log -Pattern '(\d+)% tests passed, (\d+) tests failed out of (\d+)' |
        Select-Object -Last 1
    if (-not $summary) { return @(0, 1) }
    $failed = [int]$summary.Matches[0].Groups[2].Value
    $total = [int]$summary.Matches[0].Groups[3].Value
    return @(($total - $failed), $failed)
}

# Configures, builds and runs one sanitizer preset of CMakePresets.json (asan: every
# C test; tsan: the `concurrency` label); returns @(passed, failed).
function Test-Sanitized([string] $Preset) {
    # Out-Host: the build's output must not become part of the returned counts.
    Invoke-Checked cmake @('--preset', $Preset) | Out-Host
    Invoke-Checked cmake @('--build', '--preset', $Preset) | Out-Host
    $log = Join-Path $Root "build/$Preset/ctest.log"
    $ctest = @('ctest', '--preset', $Preset)
    # gcc's TSan maps its shadow at fixed addresses; with a kernel's larger mmap
    # randomisation (vm.mmap_rnd_bits > 28) it aborts, so run it without ASLR.
    if ($Preset -eq 'tsan' -and (Get-Command setarch -ErrorAction SilentlyContinue)) {
        $ctest = @('setarch', (& uname -m), '-R') + $ctest
    }
    Push-Location $Root
    try { & $ctest[0] @($ctest | Select-Object -Skip 1) 2>&1 | Tee-Object -FilePath $log | Out-Host }
    finally { Pop-Location }
    return Read-CtestCounts $log
}

# The C tests under valgrind memcheck (preset valgrind: --error-exitcode, full leak check),
# threaded tests scaled down; about three minutes. Returns @(passed, failed).
function Test-Memcheck {
    Invoke-Checked cmake @('--preset', 'valgrind') | Out-Host
    Invoke-Checked cmake @('--build', '--preset', 'valgrind') | Out-Host
    $dir = Join-Path $Root 'build/valgrind'
    $log = Join-Path $dir 'memcheck.log'
    $env:PA_TEST_SCALE = '20'
    try {
        & ctest --test-dir $dir -T memcheck --output-on-failure --parallel $Jobs --timeout 1800 `
            -E 'installed_package_builds_c_sample|exported_symbols_are_pa_only' 2>&1 |
            Tee-Object -FilePath $log | Out-Host
    }
    finally { Remove-Item Env:PA_TEST_SCALE }
    return Read-CtestCounts $log
}

# libFuzzer needs clang and its runtime (libclang_rt.fuzzer): apt-installs what is missing.
function Install-FuzzTools {
    $packages = @()
    if (-not (Get-Command clang-14 -ErrorAction SilentlyContinue)) { $packages = @('clang-14', 'libclang-rt-14-dev') }
    else {
        $rt = Join-Path (& clang-14 --print-runtime-dir) 'libclang_rt.fuzzer-x86_64.a'
        if (-not (Test-Path $rt)) { $packages += 'libclang-rt-14-dev' }
    }
    if ($packages.Count -eq 0) { return }
    Invoke-AptGet @('update', '-q')
    Invoke-AptGet (@('install', '-y', '-q', '--no-install-recommends') + $packages)
}

# Runs the fuzzer for $Seconds over tests/fuzz/corpus (read-only seeds); new inputs go
# to build/fuzz/work, crashes to build/fuzz/artifacts (add fixed ones to the corpus).
function Invoke-Fuzz {
    Install-FuzzTools
    Invoke-Checked cmake @('--preset', 'fuzz')
    Invoke-Checked cmake @('--build', '--preset', 'fuzz')
    $work = Join-Path $Root 'build/fuzz/work'
    $artifacts = Join-Path $Root 'build/fuzz/artifacts'
    New-Item -ItemType Directory -Force -Path $work, $artifacts | Out-Null
    Invoke-Checked (Join-Path $Root 'build/fuzz/tests/fuzz/pagealloc_fuzz') @(
        "-max_total_time=$Seconds", '-max_len=1024', '-print_final_stats=1',
        "-artifact_prefix=$artifacts/", $work, (Join-Path $Root 'tests/fuzz/corpus'))
}

# --- Load (docs/LOAD.md): bench/load.ps1 ---
. (Join-Path $Root 'bench/load.ps1')

switch ($Task) {
    'build' { Build-Native; Build-Managed }
    'test' {
        Install-TestTools
        Build-Native
        Build-Managed
        Invoke-Pack -NoBuild
        $native = Test-Native
        $managed = Test-Managed
        $asan = Test-Sanitized 'asan'
        $tsan = Test-Sanitized 'tsan'
        $memcheck = Test-Memcheck
        Write-Host "ctest: $($native[0]) passed, $($native[1]) failed; xunit: $($managed[0]) passed, $($managed[1]) failed"
        Write-Host ("ctest asan+ubsan: $($asan[0]) passed, $($asan[1]) failed; ctest tsan: $($tsan[0]) passed, " +
            "$($tsan[1]) failed; ctest valgrind: $($memcheck[0]) passed, $($memcheck[1]) failed")
        $passed = $native[0] + $managed[0] + $asan[0] + $tsan[0] + $memcheck[0]
        $failed = $native[1] + $managed[1] + $asan[1] + $tsan[1] + $memcheck[1]
        Write-Host "$passed passed, $failed failed"
        if ($failed -ne 0 -or $passed -eq 0) { exit 1 }
    }
    'run' {
        Build-Native
        Invoke-Checked dotnet @('run', '--project', (Join-Path $Root 'samples/demo/PageAlloc.Demo.csproj'), '-c', $Configuration)
    }
    'generate' { Invoke-Generate }
    'pack' { Build-Native; Invoke-Pack }
    'bench' { Invoke-Bench }
    'fuzz' { if ($Seconds -le 0) { $Seconds = 600 }; Invoke-Fuzz }
    'load' { if ($Seconds -le 0) { $Seconds = 10 }; Invoke-Load }
    'stress' {
        Build-Native
        Invoke-Checked (Join-Path $NativeBuild 'tests/c/test_stress') @('--big', '10000000')
    }
    'clean' {
        if (Test-Path (Join-Path $Root 'build')) { Remove-Item -Recurse -Force (Join-Path $Root 'build') }
    }
}
