// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using PageAlloc.KestrelSample;
using Xunit;

// One server at a time: the load tests measure the machine's two cores, and the counters test
// starts a process of its own.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PageAlloc.AspNetCore.Tests;

/// <summary>
/// The short version of build.ps1 load: the sample on page pools, in this process on a free
/// loopback port, serves thousands of real HTTP requests (downloads of 0 bytes to 3 MiB, so
/// responses of one block up to hundreds; uploads echoed back through the pipes), every body
/// checked; then it stops, and every page is back.
/// </summary>
public sealed class ShortLoadTests
{
    private static readonly long[] s_downloads = [0, 1, 100, 2047, 4096, 4097, 16_384, 65_536, 100_000, 1 << 20, 3 << 20];
    private static readonly int[] s_uploads = [1, 4096, 4097, 65_536, 300_000, 1 << 20];

    [Fact]
    public async Task Thousands_of_requests_get_exact_bodies_and_every_page_comes_back_after_shutdown()
    {
        const int Requests = 3000;
        var options = new SampleOptions { Urls = "http://127.0.0.1:0", SizeMiB = 256 };
        await using SampleServer server = SampleServer.Create(options);
        await server.StartAsync();
        Assert.NotNull(server.Allocator);
        var uploads = new Dictionary<int, byte[]>();
        foreach (int size in s_uploads)
        {
            uploads[size] = Traffic.Body(size, size);
        }

        using (HttpClient client = Traffic.Client(server.Address))
        {
            Dictionary<Traffic.Outcome, int> outcomes = await Traffic.RunAsync(Requests, concurrency: 16, index =>
                index % 4 == 3
                    ? Traffic.EchoAsync(client, uploads[s_uploads[index / 4 % s_uploads.Length]])
                    : Traffic.DownloadAsync(client, s_downloads[index % s_downloads.Length]));
            Assert.Equal(Requests, outcomes[Traffic.Outcome.Ok]);

            string report = await client.GetStringAsync("/pagealloc?check=1");
            Assert.Contains("pool pagealloc", report);
            Assert.Contains("check ok", report);
            Assert.Contains("pagealloc.zone.free{node=0,zone=Normal}", report);
        }

        await server.StopAsync();
        (long leaked, string check) = server.LeakCheck();
        Assert.Equal("ok", check);
        Assert.Equal(0, leaked);
        Assert.True(server.Allocator.GetVmEvent(VmEvent.PgAllocNormal) > Requests, "the responses' blocks came from the allocator");
    }

    [Fact]
    public async Task Over_HTTP2_with_buffers_zeroed_on_return_the_bodies_are_exact_and_the_report_shows_the_resident_arena()
    {
        var options = new SampleOptions { Urls = "http://127.0.0.1:0", SizeMiB = 64, Http2 = true, ClearOnReturn = true };
        await using SampleServer server = SampleServer.Create(options);
        await server.StartAsync();
        using (HttpClient client = Traffic.Client(server.Address))
        {
            // Cleartext HTTP/2 with prior knowledge: what h2load speaks to the load run's server.
            client.DefaultRequestVersion = HttpVersion.Version20;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            Dictionary<Traffic.Outcome, int> outcomes = await Traffic.RunAsync(200, concurrency: 8, index =>
                Traffic.DownloadAsync(client, s_downloads[index % s_downloads.Length]));
            Assert.Equal(200, outcomes[Traffic.Outcome.Ok]);

            using HttpResponseMessage response = await client.GetAsync("/pagealloc");
            Assert.Equal(HttpVersion.Version20, response.Version);
            string report = await response.Content.ReadAsStringAsync();
            long resident = long.Parse(System.Text.RegularExpressions.Regex.Match(report, @"^resident_bytes (\d+)$",
                System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(resident >= 4096, $"the arena pages the responses used are resident ({resident} B)");
            Assert.True(resident <= 64L << 20);

            // build.ps1 load times one server with zeroing off and on: the switch reaches the pools.
            var factory = server.App.Services.GetRequiredService<PageAllocMemoryPoolFactory>();
            foreach (bool on in new[] { false, true })
            {
                using HttpResponseMessage set = await client.PostAsync($"/pagealloc/clear-on-return/{on}", null);
                Assert.Equal(HttpStatusCode.OK, set.StatusCode);
                Assert.Equal(on, factory.ClearOnReturn);
                Assert.All(factory.Pools, p => Assert.Equal(on, p.Pool.ClearOnReturn));
                Assert.Equal(Traffic.Outcome.Ok, await Traffic.DownloadAsync(client, 65_536));
            }
        }

        await server.StopAsync();
        (long leaked, string check) = server.LeakCheck();
        Assert.Equal("ok", check);
        Assert.Equal(0, leaked);
    }
}
