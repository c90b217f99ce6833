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
#   load      the Kestrel sample under wrk on 127.0.0.1, Kestrel's pool and page pools side by side
#             in 3 alternating rounds of -Seconds (default 10), then the fault run; writes
#             docs/LOAD.md and docs/load.png
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
        if ($NoBuild) { $arguments += '--no-build' }
        Invoke-Checked dotnet $arguments
    }
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

# --- Load (docs/LOAD.md) ---

# wrk is the load client (Debian package wrk); the chart needs a TrueType font. Installed with
# apt-get when missing; without apt-get the run stops and says what is missing.
function Install-LoadTools {
    $packages = @()
    if (-not (Get-Command wrk -ErrorAction SilentlyContinue)) { $packages += 'wrk' }
    if (-not (Test-Path $BenchFont)) { $packages += 'fonts-dejavu-core' }
    if ($packages.Count -eq 0) { return }
    if (-not (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        throw "load needs $($packages -join ', ') and there is no apt-get to install it with: the load run cannot run here"
    }
    Invoke-AptGet @('update', '-q')
    Invoke-AptGet (@('install', '-y', '-q', '--no-install-recommends') + $packages)
    if (-not (Get-Command wrk -ErrorAction SilentlyContinue)) { throw 'wrk is still missing after apt-get install wrk: the load run cannot run' }
}

# Starts the sample server (samples/kestrel, built) on a free loopback port, its output in
# $Log; returns the process, the log and its base address once it listens.
function Start-LoadServer([string] $Dll, [string[]] $ServerArgs, [string] $Log) {
    $process = Start-Process -FilePath dotnet -ArgumentList (@($Dll, '--urls', 'http://127.0.0.1:0') + $ServerArgs) `
        -RedirectStandardOutput $Log -RedirectStandardError "$Log.err" -PassThru -NoNewWindow
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ([DateTime]::UtcNow -lt $deadline -and -not $process.HasExited) {
        $listening = if (Test-Path $Log) { Select-String -Path $Log -Pattern 'listening on (http://\S+?)/? ' | Select-Object -First 1 }
        if ($listening) {
            return [pscustomobject]@{ Process = $process; Log = $Log; Address = $listening.Matches[0].Groups[1].Value }
        }
        Start-Sleep -Milliseconds 200
    }
    if (-not $process.HasExited) { $process.Kill($true) }
    throw "the sample server did not start: $(Get-Content -Raw $Log -ErrorAction SilentlyContinue) $(Get-Content -Raw "$Log.err" -ErrorAction SilentlyContinue)"
}

# SIGTERM (a graceful stop, after which the server checks that every page came back); at most
# 60 s. Returns the exit code.
function Stop-LoadServer($Server) {
    & kill -TERM $Server.Process.Id
    if (-not $Server.Process.WaitForExit(60000)) { $Server.Process.Kill($true); throw 'the sample server did not stop within 60 s of SIGTERM' }
    $Server.Process.WaitForExit()
    return $Server.Process.ExitCode
}

# /pagealloc as name -> value for its "name value" lines (pages_in_use, free_pages, check...);
# $null when the server turned the request away (503 while out of pages) and -Retry is not set,
# else retried for up to 10 s.
function Read-PageAllocReport([string] $Address, [switch] $Check, [switch] $Retry) {
    $uri = "$Address/pagealloc" + ($Check ? '?check=1' : '')
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ($true) {
        $response = Invoke-WebRequest -Uri $uri -TimeoutSec 30 -SkipHttpErrorCheck
        if ($response.StatusCode -eq 200) { break }
        if ($response.StatusCode -ne 503) { throw "$uri answered $($response.StatusCode)" }
        if (-not $Retry) { return $null }
        if ([DateTime]::UtcNow -gt $deadline) { throw "$uri answered 503 for 10 s after the load" }
        Start-Sleep -Milliseconds 200
    }
    $text = $response.Content
    $values = @{}
    foreach ($line in $text -split "`n") {
        if ($line -match '^([a-z_]+) (.+)$') { $values[$Matches[1]] = $Matches[2].Trim() }
    }
    return $values
}

# Peak resident set of a process (VmHWM), in KiB.
function Read-PeakRss([int] $ProcessId) {
    $line = Get-Content "/proc/$ProcessId/status" | Where-Object { $_ -like 'VmHWM:*' }
    return [long](($line -split '\s+')[1])
}

# wrk's --latency output: requests/s, p50 and p99 in ms, requests, non-2xx, socket errors.
function Read-WrkResult([string] $Text) {
    function Ms([string] $v) {
        if ($v -notmatch '^([\d.]+)(us|ms|s|m)$') { throw "unreadable wrk latency $v" }
        $n = [double]::Parse($Matches[1], [Globalization.CultureInfo]::InvariantCulture)
        switch ($Matches[2]) { 'us' { $n / 1000 } 'ms' { $n } 's' { $n * 1000 } 'm' { $n * 60000 } }
    }
    if ($Text -notmatch 'Requests/sec:\s+([\d.]+)') { throw "wrk printed no Requests/sec:`n$Text" }
    $rps = [double]::Parse($Matches[1], [Globalization.CultureInfo]::InvariantCulture)
    $p50 = if ($Text -match '\s50%\s+(\S+)') { Ms $Matches[1] } else { throw "wrk printed no 50% latency:`n$Text" }
    $p99 = if ($Text -match '\s99%\s+(\S+)') { Ms $Matches[1] } else { throw "wrk printed no 99% latency:`n$Text" }
    $requests = if ($Text -match '(\d+) requests in') { [long]$Matches[1] } else { 0 }
    $non2xx = if ($Text -match 'Non-2xx or 3xx responses: (\d+)') { [long]$Matches[1] } else { 0 }
    $socket = 0
    if ($Text -match 'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)') {
        $socket = [long]$Matches[1] + [long]$Matches[2] + [long]$Matches[3] + [long]$Matches[4]
    }
    return [pscustomobject]@{ Rps = $rps; P50 = $p50; P99 = $p99; Requests = $requests; Non2xx = $non2xx; SocketErrors = $socket }
}

# wrk against $Url for $Duration seconds while /pagealloc of $Sampled (a server, or $null) is
# read every 0.5 s; returns wrk's result with the most pages in use seen.
function Invoke-Wrk([string] $Url, $Workload, [int] $Duration, [string] $Output, $Sampled) {
    $wrkArgs = @('-t', "$LoadThreads", '-c', "$LoadConnections", '--latency', '--timeout', '10s', '-d', "$($Duration)s")
    if ($Workload.Script) { $wrkArgs += @('-s', $Workload.Script) }
    $wrk = Start-Process -FilePath wrk -ArgumentList ($wrkArgs + @($Url)) -RedirectStandardOutput $Output -PassThru -NoNewWindow
    $maxInUse = 0
    while (-not $wrk.HasExited) {
        Start-Sleep -Milliseconds 500
        if ($Sampled -and -not $wrk.HasExited) {
            $report = Read-PageAllocReport $Sampled.Address
            if ($report) { $maxInUse = [Math]::Max($maxInUse, [long]$report.pages_in_use) }
        }
    }
    $wrk.WaitForExit()
    $result = Read-WrkResult (Get-Content -Raw $Output)
    $result | Add-Member -NotePropertyName MaxInUse -NotePropertyValue $maxInUse
    return $result
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    return $sorted[[int][Math]::Floor(($sorted.Count - 1) / 2)]
}

# The configurations side by side under one workload: every server started at once (same
# machine state), a 3 s warm-up each, then $LoadRounds rounds of $Seconds each, alternating the
# configurations within a round; medians of the rounds. Then /pagealloc after, the peak RSS,
# SIGTERM and each server's own leak check. One row per configuration.
function Invoke-LoadRounds([string] $Dll, $Configs, $Workload, [string] $Results) {
    $servers = @()
    try {
        foreach ($config in $Configs) {
            $servers += Start-LoadServer $Dll $config.Args (Join-Path $Results "$($config.Name)-$($Workload.Name).server.log")
        }
        for ($i = 0; $i -lt $Configs.Count; $i++) {
            Invoke-Wrk "$($servers[$i].Address)$($Workload.Path)" $Workload 3 (Join-Path $Results "$($Configs[$i].Name)-$($Workload.Name).warmup.txt") $null | Out-Null
        }
        $runs = @($Configs | ForEach-Object { , [System.Collections.Generic.List[object]]::new() })
        for ($round = 1; $round -le $LoadRounds; $round++) {
            for ($i = 0; $i -lt $Configs.Count; $i++) {
                $j = ($round % 2 -eq 0) ? ($Configs.Count - 1 - $i) : $i   # alternate who goes first
                $sampled = $Configs[$j].Name -ne 'default' ? $servers[$j] : $null
                $out = Join-Path $Results "$($Configs[$j].Name)-$($Workload.Name).round$round.wrk.txt"
                $runs[$j].Add((Invoke-Wrk "$($servers[$j].Address)$($Workload.Path)" $Workload $Seconds $out $sampled))
                Write-Host ("  round $round $($Configs[$j].Name): {0:0} requests/s, p99 {1:0.00} ms" -f $runs[$j][-1].Rps, $runs[$j][-1].P99)
            }
        }
        # Idle page pools give their cached pages back after two quiet trim periods (1 s each).
        Start-Sleep -Seconds 3
        $rows = @()
        for ($i = 0; $i -lt $Configs.Count; $i++) {
            $pagealloc = $Configs[$i].Name -ne 'default'
            $after = if ($pagealloc) { Read-PageAllocReport $servers[$i].Address -Check -Retry } else { @{} }
            $r = $runs[$i]
            $rows += [pscustomobject]@{
                config = $Configs[$i].Name; workload = $Workload.Name; seconds = $Seconds; rounds = $r.Count
                connections = $LoadConnections; threads = $LoadThreads
                requests = ($r | Measure-Object -Property Requests -Sum).Sum
                rps = Get-Median @($r.Rps); p50_ms = Get-Median @($r.P50); p99_ms = Get-Median @($r.P99)
                rps_rounds = (@($r | ForEach-Object { '{0:0}' -f $_.Rps }) -join ' ')
                non2xx = ($r | Measure-Object -Property Non2xx -Sum).Sum; socket_errors = ($r | Measure-Object -Property SocketErrors -Sum).Sum
                peak_rss_kib = Read-PeakRss $servers[$i].Process.Id
                pages_in_use_max = ($pagealloc ? ($r | Measure-Object -Property MaxInUse -Maximum).Maximum : '')
                pages_in_use_after = ($pagealloc ? $after.pages_in_use : ''); check_after = ($pagealloc ? $after.check : '')
                fallback_rents = ($pagealloc ? $after.fallback_rents : ''); buffers_rented_after = ($pagealloc ? $after.buffers_rented : '')
                alive_after = -not $servers[$i].Process.HasExited
                exit_code = ''; leaked_after_shutdown = ''; check_after_shutdown = ''
            }
        }
    }
    finally {
        $exits = @($servers | ForEach-Object { if ($_.Process.HasExited) { $_.Process.ExitCode } else { Stop-LoadServer $_ } })
    }
    for ($i = 0; $i -lt $rows.Count; $i++) {
        $rows[$i].exit_code = $exits[$i]
        $leak = Select-String -Path $servers[$i].Log -Pattern 'leak check: (-?\d+) pages not returned, check (.+)$' | Select-Object -Last 1
        if ($leak) {
            $rows[$i].leaked_after_shutdown = $leak.Matches[0].Groups[1].Value
            $rows[$i].check_after_shutdown = $leak.Matches[0].Groups[2].Value
        }
    }
    return $rows
}

$LoadConnections = 32
$LoadThreads = 2
$LoadRounds = 3

# Kestrel's pool, then page pools, under each workload; then the fault run (a 2 MiB allocator
# under the download workload). Results in build/load; then docs/LOAD.md and docs/load.png.
function Invoke-Load {
    Install-LoadTools
    $sample = Join-Path $Root 'samples/kestrel'
    Invoke-Checked dotnet @('build', $sample, '-c', 'Release')
    $dll = Join-Path $sample 'bin/Release/net10.0/pagealloc-kestrel.dll'
    $results = Join-Path $Root 'build/load'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    New-Item -ItemType Directory -Force -Path $results | Out-Null
    $echoScript = Join-Path $results 'echo.lua'
    Set-Content -Path $echoScript -Value @('wrk.method = "POST"', 'wrk.body = string.rep("pagealloc", 1820)',
        'wrk.headers["Content-Type"] = "application/octet-stream"')
    $workloads = @(
        [pscustomobject]@{ Name = 'download-64k'; Path = '/bytes/65536'; Script = $null },
        [pscustomobject]@{ Name = 'echo-16k'; Path = '/echo'; Script = $echoScript })
    $configs = @([pscustomobject]@{ Name = 'default'; Args = @('--pool', 'default') },
        [pscustomobject]@{ Name = 'pagealloc'; Args = @('--pool', 'pagealloc') })
    $rows = @()
    foreach ($workload in $workloads) {
        Write-Host "load: $($workload.Name), $LoadRounds rounds of $Seconds s per pool, $LoadConnections connections"
        $rows += Invoke-LoadRounds $dll $configs $workload $results
    }
    Write-Host "load: fault run (2 MiB allocator) / $($workloads[0].Name)"
    $rows += Invoke-LoadRounds $dll @([pscustomobject]@{ Name = 'fault'; Args = @('--pool', 'pagealloc', '--size-mib', '2', '--debug-checks') }) `
        $workloads[0] $results
    $rows | Format-Table config, workload, rps, p50_ms, p99_ms, non2xx, socket_errors, peak_rss_kib, pages_in_use_max, pages_in_use_after,
        leaked_after_shutdown, check_after_shutdown | Out-Host
    $rows | Export-Csv -Path (Join-Path $results 'load.csv') -NoTypeInformation -UseQuotes AsNeeded

    $info = @("cpu,$(((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -split ':', 2)[1].Trim())",
        "cores,$([Environment]::ProcessorCount)", "wrk,$((& wrk --version 2>&1 | Select-Object -First 1) -replace ',', ' ')",
        "dotnet,$(& dotnet --version)", "commit,$((& git -C $Root rev-parse --short HEAD 2>$null) ?? 'unknown')")
    Set-Content -Path (Join-Path $results 'info.csv') -Value $info
    Invoke-Checked dotnet @('run', '--project', (Join-Path $Root 'bench/PageAlloc.BenchReport'), '-c', 'Release', '--',
        'load', '--in', $results, '--docs', (Join-Path $Root 'docs'), '--font', $BenchFont)
}

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
