// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using PageAlloc.KestrelSample;
using Xunit;

namespace PageAlloc.AspNetCore.Tests;

/// <summary>
/// The fault run: the sample on a 2 MiB allocator (512 pages) under more concurrent
/// megabyte downloads and uploads than it can buffer. By default every request succeeds with the
/// exact body, served past the allocator by Kestrel's own pool; with a pressure window, each
/// succeeds or fails cleanly (503, or a closed connection) and the server keeps serving. Either
/// way every page is back afterwards and the invariant check passes. (Before Kestrel's rents fell
/// back to other memory, a rent that threw left a pipe on a returned block and a body came back
/// wrong.)
/// </summary>
public sealed class FaultRunTests
{
    [Fact]
    public Task An_allocator_that_runs_out_serves_every_request_from_the_overflow_pool_and_leaks_nothing() =>
        FaultRunAsync(pressureWindowMs: 0, (_, outcomes) =>
        {
            Assert.Equal(600, outcomes[Traffic.Outcome.Ok]);
            return Task.CompletedTask;
        });

    [Fact]
    public Task With_a_pressure_window_an_allocator_that_runs_out_fails_requests_cleanly_and_leaks_nothing() =>
        FaultRunAsync(pressureWindowMs: 200, async (client, outcomes) =>
        {
            int failed = outcomes[Traffic.Outcome.Unavailable] + outcomes[Traffic.Outcome.Closed];
            Assert.True(failed > 0, $"the allocator never ran out: {Describe(outcomes)}");
            Assert.True(outcomes[Traffic.Outcome.Ok] > 0, $"nothing succeeded: {Describe(outcomes)}");

            // The load is over: once the pressure window has passed, the server serves again.
            var since = System.Diagnostics.Stopwatch.StartNew();
            Traffic.Outcome after;
            while ((after = await Traffic.DownloadAsync(client, 1 << 20)) != Traffic.Outcome.Ok && since.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }

            Assert.Equal(Traffic.Outcome.Ok, after);

            // Idle, the CPU caches decay (high/8 a second): what stays out falls to the report
            // request's own buffers and a refill or so (512 pages cached at most on this allocator).
            long inUse = long.MaxValue;
            var idle = System.Diagnostics.Stopwatch.StartNew();
            while (inUse > 128 && idle.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(500);
                inUse = long.Parse(System.Text.RegularExpressions.Regex.Match(
                    await client.GetStringAsync("/pagealloc"), @"pages_in_use (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            Assert.True(inUse <= 128, $"{inUse} pages still in use {idle.Elapsed} after the load (idle caches decay)");
        });

    /// <summary>The sample on a 2 MiB allocator with debug checks, 600 megabyte downloads and
    /// uploads 96 at a time; then <paramref name="check"/> on their outcomes, the invariant
    /// check, and after the server stops, no page left out.</summary>
    private static async Task FaultRunAsync(int pressureWindowMs, Func<HttpClient, Dictionary<Traffic.Outcome, int>, Task> check)
    {
        var options = new SampleOptions { Urls = "http://127.0.0.1:0", SizeMiB = 2, DebugChecks = true, PressureWindowMs = pressureWindowMs };
        await using SampleServer server = SampleServer.Create(options);
        await server.StartAsync();
        Assert.NotNull(server.Allocator);
        byte[] upload = Traffic.Body(1 << 20, 7);
        using (HttpClient client = Traffic.Client(server.Address))
        {
            Dictionary<Traffic.Outcome, int> outcomes = await Traffic.RunAsync(600, concurrency: 96, index =>
                index % 3 == 2 ? Traffic.EchoAsync(client, upload) : Traffic.DownloadAsync(client, 1 << 20));
            Assert.True(server.Allocator.GetVmEvent(VmEvent.PgFail) > 0, "no allocation failed");
            await check(client, outcomes);
            string report = await client.GetStringAsync("/pagealloc?check=1");
            Assert.Contains("check ok", report);
        }

        await server.StopAsync();
        (long leaked, string verdict) = server.LeakCheck();
        Assert.Equal("ok", verdict);
        Assert.Equal(0, leaked);
    }

    private static string Describe(Dictionary<Traffic.Outcome, int> outcomes) =>
        $"{outcomes[Traffic.Outcome.Ok]} ok, {outcomes[Traffic.Outcome.Unavailable]} 503, {outcomes[Traffic.Outcome.Closed]} closed";
}
