# SPDX-License-Identifier: GPL-2.0-only
# build.ps1 load: the Kestrel sample (samples/kestrel) on Kestrel's own pool and on page pools,
# side by side in one run, under HTTP/1.1 (wrk) and HTTP/2 (h2load) workloads on 127.0.0.1.
# Dot-sourced by build.ps1 (it uses $Root, $Seconds, $BenchFont, Invoke-Checked, Invoke-AptGet).
# Results in build/load (load.csv, rss.csv, client outputs, server logs); then
# bench/PageAlloc.BenchReport writes docs/LOAD.md, docs/load.png and docs/load-rss.png.

$LoadThreads = 2
$LoadRounds = 3
$IdleSeconds = 10
# Zeroing on return is timed on one server switched off and on (Invoke-ZeroingPairs): pairs of
# runs of $ZeroSeconds each.
$ZeroPairs = 9
$ZeroSeconds = 5

# wrk (HTTP/1.1) and h2load (HTTP/2, Debian's nghttp2-client) are the load clients; the chart
# needs a TrueType font. Installed with apt-get when missing; without apt-get the run stops and
# says what is missing.
function Install-LoadTools {
    $packages = @()
    if (-not (Get-Command wrk -ErrorAction SilentlyContinue)) { $packages += 'wrk' }
    if (-not (Get-Command h2load -ErrorAction SilentlyContinue)) { $packages += 'nghttp2-client' }
    if (-not (Test-Path $BenchFont)) { $packages += 'fonts-dejavu-core' }
    if ($packages.Count -eq 0) { return }
    if (-not (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        throw "load needs $($packages -join ', ') and there is no apt-get to install it with: the load run cannot run here"
    }
    Invoke-AptGet @('update', '-q')
    Invoke-AptGet (@('install', '-y', '-q', '--no-install-recommends') + $packages)
    foreach ($client in 'wrk', 'h2load') {
        if (-not (Get-Command $client -ErrorAction SilentlyContinue)) { throw "$client is still missing after apt-get install: the load run cannot run" }
    }
}

# Starts the sample server (built) on a free loopback port, its output in $Log; returns the
# process, the log and its base address once it listens.
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

# /pagealloc/stats (or with -Check the full /pagealloc?check=1) as name -> value for its "name
# value" lines (pages_in_use, pooled_pages, resident_bytes, check...); $null when the server
# turned the request away (503 while out of pages) and -Retry is not set, else retried for up to
# 10 s. /pagealloc/stats is what the load polls: it allocates nothing in the server, and both
# servers answer it (Kestrel's own pool with one line), so both pay the same for being watched.
function Read-PageAllocReport($Server, [switch] $Check, [switch] $Retry) {
    $uri = "$($Server.Address)/pagealloc" + ($Check ? '?check=1' : '/stats')
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ($true) {
        $text = Get-Http $Server $uri
        if ($text.Status -eq 200) { break }
        if ($text.Status -ne 503) { throw "$uri answered $($text.Status)" }
        if (-not $Retry) { return $null }
        if ([DateTime]::UtcNow -gt $deadline) { throw "$uri answered 503 for 10 s after the load" }
        Start-Sleep -Milliseconds 200
    }
    $values = @{}
    foreach ($line in $text.Body -split "`n") {
        if ($line -match '^([a-z_]+) (.+)$') { $values[$Matches[1]] = $Matches[2].Trim() }
    }
    return $values
}

# One GET, in the server's protocol: .NET's HttpClient speaks HTTP/2 with prior knowledge when
# asked for version 2.0 exactly, which an HTTP/2-only cleartext endpoint needs.
function Get-Http($Server, [string] $Uri) {
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Get, $Uri)
    if ($Server.Http2) {
        $request.Version = [Version]::new(2, 0)
        $request.VersionPolicy = [System.Net.Http.HttpVersionPolicy]::RequestVersionExact
    }
    $response = $LoadHttp.SendAsync($request).GetAwaiter().GetResult()
    $body = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    return [pscustomobject]@{ Status = [int]$response.StatusCode; Body = $body }
}
$LoadHttp = [System.Net.Http.HttpClient]::new()
$LoadHttp.Timeout = [TimeSpan]::FromSeconds(30)

# Sets the process's peak RSS (VmHWM) to its RSS now (clear_refs 5), so that the next read of
# VmHWM is the peak of what ran in between: one round's peak.
function Reset-PeakRss([int] $ProcessId) {
    # Opened for writing without truncation: the proc file refuses O_TRUNC (Set-Content's EINVAL).
    $file = [System.IO.FileStream]::new("/proc/$ProcessId/clear_refs", [System.IO.FileMode]::Open, [System.IO.FileAccess]::Write)
    try { $file.Write([byte[]]@(0x35), 0, 1) } finally { $file.Dispose() }
}

# A line of /proc/<pid>/status in KiB: VmHWM (peak resident set) or VmRSS (now).
function Read-StatusKib([int] $ProcessId, [string] $Field) {
    $line = Get-Content "/proc/$ProcessId/status" | Where-Object { $_ -like "$($Field):*" }
    return [long](($line -split '\s+')[1])
}

# Samples every server's VmRSS every 0.25 s into $Csv ("workload,config,t,rss_kib", t in s
# since the epoch) until stopped: a shell loop, so that the timeline runs while the client
# and this script wait.
function Start-RssSampler([string] $WorkloadName, $Servers, $Configs, [string] $Csv) {
    $script = "$Csv.sh"
    Set-Content -Path $script -Value @('w=$1; shift',
        'while :; do t=$(date +%s.%N); for p in "$@"; do',
        '  r=$(awk ''/^VmRSS/{print $2}'' /proc/${p#*=}/status 2>/dev/null) && echo "$w,${p%%=*},$t,$r"',
        'done; sleep 0.25; done')
    $pairs = for ($i = 0; $i -lt $Servers.Count; $i++) { "$($Configs[$i].Name)=$($Servers[$i].Process.Id)" }
    return Start-Process -FilePath bash -ArgumentList (@($script, $WorkloadName) + $pairs) -RedirectStandardOutput $Csv -PassThru -NoNewWindow
}

function Stop-RssSampler($Sampler) {
    if (-not $Sampler.HasExited) { $Sampler.Kill($true) }
    $Sampler.WaitForExit()
}

function Get-EpochSeconds { return [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000.0 }

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

# h2load's summary and its --log-file (one request a line: start time in us, status, duration
# in us): requests/s, p50 and p99 in ms (h2load prints no percentiles), requests, non-2xx,
# failed or errored requests as socket errors.
function Read-H2loadResult([string] $Text, [string] $LogFile) {
    if ($Text -notmatch 'finished in [\d.]+\w+, ([\d.]+) req/s') { throw "h2load printed no req/s:`n$Text" }
    $rps = [double]::Parse($Matches[1], [Globalization.CultureInfo]::InvariantCulture)
    if ($Text -notmatch 'requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout') {
        throw "h2load printed no request counts:`n$Text"
    }
    $done = [long]$Matches[2]; $errors = [long]$Matches[4] + [long]$Matches[5] + [long]$Matches[6]
    $non2xx = 0
    if ($Text -match 'status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx') { $non2xx = [long]$Matches[2] + [long]$Matches[3] + [long]$Matches[4] }
    $durations = [System.Collections.Generic.List[double]]::new()
    foreach ($line in [System.IO.File]::ReadLines($LogFile)) {
        $fields = $line.Split("`t")
        if ($fields.Count -ge 3) { $durations.Add([double]::Parse($fields[2], [Globalization.CultureInfo]::InvariantCulture) / 1000) }
    }
    if ($durations.Count -eq 0) { throw "h2load logged no request in $LogFile" }
    $durations.Sort()
    $at = { param($q) $durations[[int][Math]::Min($durations.Count - 1, [Math]::Floor($q * $durations.Count))] }
    return [pscustomobject]@{ Rps = $rps; P50 = (& $at 0.50); P99 = (& $at 0.99); Requests = $done; Non2xx = $non2xx; SocketErrors = $errors }
}

# The workload's client against $Url for $Duration seconds while /pagealloc/stats of $Sampled
# (the server under load, whichever its pool, or $null) is read every 0.5 s; returns the
# client's result with the most pages in use, the most resident bytes and the most pages the
# pools' CPU caches held (with their number) seen. A -WarmUp run returns nothing: a cold server
# may answer nothing in it.
function Invoke-LoadClient([string] $Url, $Workload, [int] $Duration, [string] $Output, $Sampled, [switch] $WarmUp) {
    if ($Workload.Client -eq 'h2load') {
        $log = "$Output.log"
        $clientArgs = @('-c', "$($Workload.Connections)", '-m', "$($Workload.Streams)", '-t', "$LoadThreads",
            '-D', "$Duration", '--log-file', $log, $Url)
        $client = Start-Process -FilePath h2load -ArgumentList $clientArgs -RedirectStandardOutput $Output -PassThru -NoNewWindow
    }
    else {
        $clientArgs = @('-t', "$LoadThreads", '-c', "$($Workload.Connections)", '--latency', '--timeout', '10s', '-d', "$($Duration)s")
        if ($Workload.Script) { $clientArgs += @('-s', $Workload.Script) }
        $client = Start-Process -FilePath wrk -ArgumentList ($clientArgs + @($Url)) -RedirectStandardOutput $Output -PassThru -NoNewWindow
    }
    $maxInUse = 0; $maxResident = 0; $maxPooled = 0; $caches = 0
    while (-not $client.HasExited) {
        Start-Sleep -Milliseconds 500
        if ($Sampled -and -not $client.HasExited) {
            $report = Read-PageAllocReport $Sampled
            if ($report -and $report.ContainsKey('pages_in_use')) {   # Kestrel's pool: one line
                $maxInUse = [Math]::Max($maxInUse, [long]$report.pages_in_use)
                $maxResident = [Math]::Max($maxResident, [long]$report.resident_bytes)
                $maxPooled = [Math]::Max($maxPooled, [long]$report.pooled_pages)
                $caches = [Math]::Max($caches, [long]$report.cpu_caches)
            }
        }
    }
    $client.WaitForExit()
    if ($WarmUp) { if ($Workload.Client -eq 'h2load') { Remove-Item -Force $log -ErrorAction SilentlyContinue }; return }
    $text = Get-Content -Raw $Output
    $result = if ($Workload.Client -eq 'h2load') { Read-H2loadResult $text $log } else { Read-WrkResult $text }
    if ($Workload.Client -eq 'h2load') { Remove-Item -Force $log }
    $result | Add-Member -NotePropertyName MaxInUse -NotePropertyValue $maxInUse
    $result | Add-Member -NotePropertyName MaxResident -NotePropertyValue $maxResident
    $result | Add-Member -NotePropertyName MaxPooled -NotePropertyValue $maxPooled
    $result | Add-Member -NotePropertyName CpuCaches -NotePropertyValue $caches
    return $result
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    return $sorted[[int][Math]::Floor(($sorted.Count - 1) / 2)]
}

# The configurations side by side under one workload: every server started at once (same
# machine state), a 3 s warm-up each, then $LoadRounds rounds of $Seconds each, alternating the
# configurations within a round; medians of the rounds. A round's peak RSS is VmHWM after the
# server's run, reset before it; each server's RSS (and a page pool's resident bytes) is read
# $IdleSeconds after its own run in every round, before the next round starts. Then
# /pagealloc?check=1, SIGTERM and each server's own leak check. VmRSS of every server is
# sampled all along into rss.csv. One row per configuration.
function Invoke-LoadRounds([string] $Dll, $Configs, $Workload, [string] $Results) {
    $servers = @()
    $sampler = $null
    try {
        foreach ($config in $Configs) {
            $server = Start-LoadServer $Dll ($config.Args + $Workload.ServerArgs) (Join-Path $Results "$($config.Name)-$($Workload.Name).server.log")
            $server | Add-Member -NotePropertyName Http2 -NotePropertyValue ($Workload.Client -eq 'h2load')
            $servers += $server
        }
        $sampler = Start-RssSampler $Workload.Name $servers $Configs (Join-Path $Results "rss-$($Configs[0].Name)-$($Workload.Name).csv")
        $phases = [ordered]@{ start = Get-EpochSeconds }
        for ($i = 0; $i -lt $Configs.Count; $i++) {
            Invoke-LoadClient "$($servers[$i].Address)$($Workload.Path)" $Workload 3 (Join-Path $Results "$($Configs[$i].Name)-$($Workload.Name).warmup.txt") $null -WarmUp
        }
        $runs = @($Configs | ForEach-Object { , [System.Collections.Generic.List[object]]::new() })
        $lastEnd = @($Configs | ForEach-Object { 0.0 })
        $peaks = @($Configs | ForEach-Object { , [System.Collections.Generic.List[long]]::new() })
        $idle = @($Configs | ForEach-Object { , [System.Collections.Generic.List[long]]::new() })
        $idleResident = @($Configs | ForEach-Object { , [System.Collections.Generic.List[long]]::new() })
        $maxCached = @($Configs | ForEach-Object { '' })
        $isPagePool = @($Configs | ForEach-Object { $_.Name -ne 'default' })   # a page-pool server: it has a stats report
        $startPeaks = @($servers | ForEach-Object { Read-StatusKib $_.Process.Id 'VmHWM' })   # start-up and warm-up
        for ($round = 1; $round -le $LoadRounds; $round++) {
            for ($i = 0; $i -lt $Configs.Count; $i++) {
                $j = ($round % 2 -eq 0) ? ($Configs.Count - 1 - $i) : $i   # alternate who goes first
                $sampled = $servers[$j]   # both pools alike: the same cheap report, as often
                $out = Join-Path $Results "$($Configs[$j].Name)-$($Workload.Name).round$round.txt"
                Reset-PeakRss $servers[$j].Process.Id
                $runs[$j].Add((Invoke-LoadClient "$($servers[$j].Address)$($Workload.Path)" $Workload $Seconds $out $sampled))
                $lastEnd[$j] = Get-EpochSeconds
                $peaks[$j].Add((Read-StatusKib $servers[$j].Process.Id 'VmHWM'))
                Write-Host ("  round $round $($Configs[$j].Name): {0:0} requests/s, p99 {1:0.00} ms, peak RSS {2:0} MiB" -f $runs[$j][-1].Rps, $runs[$j][-1].P99, ($peaks[$j][-1] / 1024))
            }
            # Each server's RSS $IdleSeconds after its own round: the server whose round came
            # first is read first, each at its own moment.
            foreach ($i in @(0..($Configs.Count - 1) | Sort-Object { $lastEnd[$_] })) {
                $wait = $lastEnd[$i] + $IdleSeconds - (Get-EpochSeconds)
                if ($wait -gt 0) { Start-Sleep -Milliseconds ([int]($wait * 1000)) }
                $idle[$i].Add((Read-StatusKib $servers[$i].Process.Id 'VmRSS'))
                if ($isPagePool[$i]) {
                    $report = Read-PageAllocReport $servers[$i] -Retry
                    $idleResident[$i].Add([long]$report.resident_bytes / 1024)
                    $maxCached[$i] = $report.max_cached_pages
                }
            }
        }
        $phases.load_end = ($lastEnd | Measure-Object -Maximum).Maximum
        $phases.idle_read = Get-EpochSeconds
        # The whole run's peak (the resets left out nothing but idle time), before the full
        # report of the check below runs (its strings and buddyinfo).
        $lifePeaks = @(0..($Configs.Count - 1) | ForEach-Object { [Math]::Max($startPeaks[$_], ($peaks[$_] | Measure-Object -Maximum).Maximum) })
        $rows = @()
        for ($i = 0; $i -lt $Configs.Count; $i++) {
            $pagealloc = $isPagePool[$i]
            $after = if ($pagealloc) { Read-PageAllocReport $servers[$i] -Check -Retry } else { @{} }
            $r = $runs[$i]
            $rows += [pscustomobject]((New-LoadRow $Configs[$i].Name $Workload $Seconds $r) + [ordered]@{
                peak_rss_kib = Get-Median @($peaks[$i]); peak_rss_rounds_kib = ($peaks[$i] -join ' '); peak_rss_run_kib = $lifePeaks[$i]
                idle_rss_kib = Get-Median @($idle[$i]); idle_rss_rounds_kib = ($idle[$i] -join ' '); idle_seconds = $IdleSeconds
                resident_kib_max = ($pagealloc ? [long](($r | Measure-Object -Property MaxResident -Maximum).Maximum / 1024) : '')
                resident_kib_idle = ($pagealloc ? (Get-Median @($idleResident[$i])) : '')
                pages_in_use_max = ($pagealloc ? ($r | Measure-Object -Property MaxInUse -Maximum).Maximum : '')
                pooled_pages_max = ($pagealloc ? ($r | Measure-Object -Property MaxPooled -Maximum).Maximum : '')
                cpu_caches = ($pagealloc ? ($r | Measure-Object -Property CpuCaches -Maximum).Maximum : '')
                max_cached_pages = $maxCached[$i]
                pages_in_use_after = ($pagealloc ? $after.pages_in_use : ''); check_after = ($pagealloc ? $after.check : '')
                fallback_rents = ($pagealloc ? $after.fallback_rents : ''); buffers_rented_after = ($pagealloc ? $after.buffers_rented : '')
                alive_after = -not $servers[$i].Process.HasExited
                t_start = $phases.start; t_load_end = $phases.load_end; t_idle_read = $phases.idle_read
                exit_code = ''; leaked_after_shutdown = ''; check_after_shutdown = ''
            })
        }
    }
    finally {
        if ($sampler) { Stop-RssSampler $sampler }
        $exits = @($servers | ForEach-Object { if ($_.Process.HasExited) { $_.Process.ExitCode } else { Stop-LoadServer $_ } })
    }
    for ($i = 0; $i -lt $rows.Count; $i++) {
        $rows[$i].exit_code = $exits[$i]
        $rows[$i].leaked_after_shutdown, $rows[$i].check_after_shutdown = Read-LeakCheck $servers[$i]
    }
    return $rows
}

# A row's first columns: the configuration, the workload, and its runs' sums and medians.
function New-LoadRow([string] $Config, $Workload, [int] $RunSeconds, $Runs) {
    return [ordered]@{
        config = $Config; workload = $Workload.Name; client = $Workload.Client; seconds = $RunSeconds; rounds = $Runs.Count
        connections = $Workload.Connections; streams = $Workload.Streams; threads = $LoadThreads
        requests = ($Runs | Measure-Object -Property Requests -Sum).Sum
        rps = Get-Median @($Runs.Rps); p50_ms = Get-Median @($Runs.P50); p99_ms = Get-Median @($Runs.P99)
        rps_rounds = (@($Runs | ForEach-Object { '{0:0}' -f $_.Rps }) -join ' ')
        non2xx = ($Runs | Measure-Object -Property Non2xx -Sum).Sum; socket_errors = ($Runs | Measure-Object -Property SocketErrors -Sum).Sum
    }
}

# The server's own leak check, printed as it stops: pages not returned and the check's verdict
# ('' and '' when it printed none).
function Read-LeakCheck($Server) {
    $leak = Select-String -Path $Server.Log -Pattern 'leak check: (-?\d+) pages not returned, check (.+)$' | Select-Object -Last 1
    if (-not $leak) { return '', '' }
    return $leak.Matches[0].Groups[1].Value, $leak.Matches[0].Groups[2].Value
}

# Zeroing on return costs a clear of each block (about 2% of a download's server time under
# perf), and two server processes of one build differ by more than that for their whole life
# (two page-pool servers side by side: medians of five rounds 16% apart). So one page-pool
# server is timed both ways: $ZeroPairs pairs of $ZeroSeconds-second runs, zeroing switched off
# and on through /pagealloc/clear-on-return (on first in every other pair); the verdict is the
# median of the pairs' ratios. Two rows, configs zeroing-off and zeroing-on, of the workload.
function Invoke-ZeroingPairs([string] $Dll, $Workload, [string] $Results) {
    $server = Start-LoadServer $Dll (@('--pool', 'pagealloc') + $Workload.ServerArgs) (Join-Path $Results "zeroing-$($Workload.Name).server.log")
    $server | Add-Member -NotePropertyName Http2 -NotePropertyValue ($Workload.Client -eq 'h2load')
    $runs = @{ off = [System.Collections.Generic.List[object]]::new(); on = [System.Collections.Generic.List[object]]::new() }
    try {
        Invoke-LoadClient "$($server.Address)$($Workload.Path)" $Workload 3 (Join-Path $Results "zeroing-$($Workload.Name).warmup.txt") $null -WarmUp
        for ($pair = 1; $pair -le $ZeroPairs; $pair++) {
            foreach ($on in (($pair % 2 -eq 1) ? @($false, $true) : @($true, $false))) {
                $name = $on ? 'on' : 'off'
                $set = $LoadHttp.PostAsync("$($server.Address)/pagealloc/clear-on-return/$($on.ToString().ToLowerInvariant())", $null).GetAwaiter().GetResult()
                if (-not $set.IsSuccessStatusCode) { throw "/pagealloc/clear-on-return answered $([int]$set.StatusCode)" }
                $out = Join-Path $Results "zeroing-$name-$($Workload.Name).pair$pair.txt"
                $runs[$name].Add((Invoke-LoadClient "$($server.Address)$($Workload.Path)" $Workload $ZeroSeconds $out $null))
                Write-Host ("  pair $pair, zeroing ${name}: {0:0} requests/s" -f $runs[$name][-1].Rps)
            }
        }
    }
    finally {
        $exit = $server.Process.HasExited ? $server.Process.ExitCode : (Stop-LoadServer $server)
    }
    $leaked, $check = Read-LeakCheck $server
    # Columns the side-by-side rows have and these do not are left empty by Export-Csv.
    return @('off', 'on') | ForEach-Object {
        [pscustomobject]((New-LoadRow "zeroing-$_" $Workload $ZeroSeconds $runs[$_]) +
            [ordered]@{ exit_code = $exit; leaked_after_shutdown = $leaked; check_after_shutdown = $check })
    }
}

function New-Workload([string] $Name, [string] $Client, [string] $Path, [int] $Connections, [int] $Streams = 1,
    [string] $Script = $null, [string[]] $ServerArgs = @()) {
    return [pscustomobject]@{ Name = $Name; Client = $Client; Path = $Path; Connections = $Connections; Streams = $Streams
        Script = $Script; ServerArgs = $ServerArgs }
}

# Kestrel's pool, then page pools, under each workload; then the fault run (a 2 MiB allocator
# that turns new requests away while it is low, under the first workload). Results in build/load; then docs/LOAD.md and its charts.
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
        (New-Workload 'download-64k' 'wrk' '/bytes/65536' 32),
        (New-Workload 'echo-16k' 'wrk' '/echo' 32 -Script $echoScript),
        (New-Workload 'h2-download-64k' 'h2load' '/bytes/65536' 32 -Streams 8 -ServerArgs @('--http2')),
        (New-Workload 'download-256k-256c' 'wrk' '/bytes/262144' 256),
        # 10,000 streams of 64 KiB in flight: more than the page pools' 256 MiB allocator holds.
        (New-Workload 'h2-download-64k-10k-streams' 'h2load' '/bytes/65536' 100 -Streams 100 -ServerArgs @('--http2')))
    $configs = @([pscustomobject]@{ Name = 'default'; Args = @('--pool', 'default') },
        [pscustomobject]@{ Name = 'pagealloc'; Args = @('--pool', 'pagealloc') })
    $rows = @()
    foreach ($workload in $workloads) {
        Write-Host "load: $($workload.Name) ($($workload.Client), $($workload.Connections) connections), $LoadRounds rounds of $Seconds s per pool, then $IdleSeconds s idle"
        $rows += Invoke-LoadRounds $dll $configs $workload $results
    }
    Write-Host "load: zeroing on return / $($workloads[0].Name), one page-pool server, $ZeroPairs pairs of $ZeroSeconds s off and on"
    $rows += Invoke-ZeroingPairs $dll $workloads[0] $results
    Write-Host "load: fault run (2 MiB allocator) / $($workloads[0].Name)"
    $rows += Invoke-LoadRounds $dll @([pscustomobject]@{ Name = 'fault'; Args = @('--pool', 'pagealloc', '--size-mib', '2', '--debug-checks', '--pressure-window-ms', '200') }) `
        $workloads[0] $results
    $rows | Format-Table config, workload, rps, p50_ms, p99_ms, non2xx, socket_errors, peak_rss_kib, idle_rss_kib, resident_kib_max,
        resident_kib_idle, leaked_after_shutdown, check_after_shutdown | Out-Host
    $rows | Export-Csv -Path (Join-Path $results 'load.csv') -NoTypeInformation -UseQuotes AsNeeded
    $rss = @('workload,config,t,rss_kib') + @(Get-ChildItem -Path $results -Filter 'rss-*.csv' | ForEach-Object { Get-Content $_.FullName })
    Set-Content -Path (Join-Path $results 'rss.csv') -Value $rss

    $info = @("cpu,$(((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -split ':', 2)[1].Trim())",
        "cores,$([Environment]::ProcessorCount)", "wrk,$((& wrk --version 2>&1 | Select-Object -First 1) -replace ',', ' ')",
        "h2load,$((& h2load --version 2>&1 | Select-Object -First 1) -replace ',', ' ')",
        "dotnet,$(& dotnet --version)", "commit,$((& git -C $Root rev-parse --short HEAD 2>$null) ?? 'unknown')")
    Set-Content -Path (Join-Path $results 'info.csv') -Value $info
    Invoke-Checked dotnet @('run', '--project', (Join-Path $Root 'bench/PageAlloc.BenchReport'), '-c', 'Release', '--',
        'load', '--in', $results, '--docs', (Join-Path $Root 'docs'), '--font', $BenchFont)
}
