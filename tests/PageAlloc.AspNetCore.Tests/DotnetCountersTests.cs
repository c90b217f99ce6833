// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace PageAlloc.AspNetCore.Tests;

/// <summary>
/// The real <c>dotnet-counters</c> (the repository's local tool: <c>dotnet tool restore</c>)
/// against the sample server as its own process: it finds the meters "PageAlloc" and
/// "Microsoft.AspNetCore.MemoryPool" and collects the allocator's and Kestrel's pools' counters
/// while the server serves requests.
/// </summary>
public sealed class DotnetCountersTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task Dotnet_counters_collects_the_PageAlloc_counters_of_the_sample_server()
    {
        string root = Repository.Root;
        string sample = Path.Combine(root, "samples", "kestrel", "bin", Configuration, "net10.0", "pagealloc-kestrel.dll");
        Assert.True(File.Exists(sample), $"no {sample}: build the solution first");
        string output = Path.Combine(Path.GetTempPath(), $"pagealloc-counters-{Environment.ProcessId}.csv");
        File.Delete(output);

        using Process server = Start("dotnet", root, sample, "--urls", "http://127.0.0.1:0", "--pool", "pagealloc");
        var log = new StringBuilder();
        string address = await WaitForAddress(server, log);
        try
        {
            using Process counters = Start("dotnet", root, "dotnet-counters", "collect", "--process-id", $"{server.Id}",
                "--counters", "PageAlloc,Microsoft.AspNetCore.MemoryPool", "--format", "csv", "--output", output, "--duration", "00:00:00:08");
            Task<string> countersOutput = Task.WhenAll(counters.StandardOutput.ReadToEndAsync(), counters.StandardError.ReadToEndAsync())
                .ContinueWith(t => string.Join("\n", t.Result));
            using (var client = new HttpClient { BaseAddress = new Uri(address) })
            {
                var until = Stopwatch.StartNew();
                while (!counters.HasExited && until.Elapsed < TimeSpan.FromSeconds(60))
                {
                    byte[] body = await client.GetByteArrayAsync("/bytes/100000");
                    Assert.Equal(100_000, body.Length);
                    await Task.Delay(50);
                }
            }

            Assert.True(counters.WaitForExit(TimeSpan.FromSeconds(60)), "dotnet-counters did not end after its --duration");
            Assert.True(counters.ExitCode == 0, $"dotnet-counters exited with {counters.ExitCode} (run `dotnet tool restore`):\n{await countersOutput}");
        }
        finally
        {
            Process.Start("kill", ["-TERM", $"{server.Id}"])!.WaitForExit();
            if (!server.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                server.Kill(entireProcessTree: true);
            }
        }

        server.WaitForExit();
        lock (log)
        {
            Assert.Contains("leak check: 0 pages not returned, check ok", log.ToString());
        }

        string[] lines = File.ReadAllLines(output);
        File.Delete(output);
        Assert.Equal("Timestamp,Provider,Counter Name,Counter Type,Mean/Increment", lines[0]);
        string[] names = lines.Skip(1).Select(l => l.Split(',')[2]).Distinct().ToArray();
        Assert.All(lines.Skip(1), l => Assert.Contains(l.Split(',')[1], new[] { "PageAlloc", "Microsoft.AspNetCore.MemoryPool" }));
        foreach (string expected in new[]
        {
            "pagealloc.zone.free ({page})[node=0;zone=Normal]",
            "pagealloc.pcp.pages ({page})[node=0;zone=Normal]",
            "pagealloc.pgalloc ({page} / 1 sec)[zone=Normal]",
            "pagealloc.pgfree ({page} / 1 sec)",
            "pagealloc.numa.events ({page} / 1 sec)[event=hit]",
            "pagealloc.pool.inflight ({page})[owner=kestrel]",
            "pagealloc.pool.alloc ({page} / 1 sec)[kind=fast;owner=kestrel]",
            "pagealloc.pool.recycle ({page} / 1 sec)[kind=cached;owner=kestrel]",
        })
        {
            Assert.Contains(expected, names);
        }

        // Kestrel's own pool instruments, in bytes, per owner, for the page pools.
        foreach (string instrument in new[] { "pooled (By)", "allocated (By / 1 sec)", "evicted (By / 1 sec)", "rented (By / 1 sec)" })
        {
            Assert.Contains($"aspnetcore.memory_pool.{instrument}[aspnetcore.memory_pool.owner=kestrel]", names);
        }

        Assert.Contains(lines, l => l.Contains("aspnetcore.memory_pool.rented (By / 1 sec)[aspnetcore.memory_pool.owner=kestrel]", StringComparison.Ordinal) &&
            double.Parse(l.Split(',')[4], System.Globalization.CultureInfo.InvariantCulture) > 0);

        // The server rented while collected: some interval saw the CPU caches' fast path (pages
        // recycled from a cache; the allocator itself is only asked to refill).
        Assert.Contains(lines, l => l.Contains("pagealloc.pool.alloc ({page} / 1 sec)[kind=fast;owner=kestrel]", StringComparison.Ordinal) &&
            double.Parse(l.Split(',')[4], System.Globalization.CultureInfo.InvariantCulture) > 0);

        async Task<string> WaitForAddress(Process process, StringBuilder lines)
        {
            var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }

                lock (lines)
                {
                    lines.AppendLine(e.Data);
                }

                if (e.Data.StartsWith("listening on ", StringComparison.Ordinal))
                {
                    address.TrySetResult(e.Data.Split(' ')[2]);
                }
            };
            process.BeginOutputReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            return await address.Task.WaitAsync(timeout.Token);
        }
    }

    private static Process Start(string file, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(start)!;
    }
}
