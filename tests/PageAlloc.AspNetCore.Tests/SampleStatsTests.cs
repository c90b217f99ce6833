// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.Options;
using PageAlloc.KestrelSample;
using Xunit;

namespace PageAlloc.AspNetCore.Tests;

/// <summary>
/// The report build.ps1 load polls during the load: the factory's totals and
/// <c>/pagealloc/stats</c> allocate nothing, say what the pools hold, and answer on both pools.
/// </summary>
public sealed class SampleStatsTests
{
    private static PageAllocMemoryPoolFactory Factory() =>
        new(Options.Create(new PageAllocMemoryPoolOptions { Size = 8L << 20, DecayPeriod = System.Threading.Timeout.InfiniteTimeSpan }));

    private static Dictionary<string, long> Parse(string text)
    {
        var values = new Dictionary<string, long>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ');
            if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
            {
                values[parts[0]] = value;
            }
        }

        return values;
    }

    [Fact]
    public void ReadTotals_counts_what_the_open_pools_hold()
    {
        using PageAllocMemoryPoolFactory factory = Factory();
        using MemoryPool<byte> pool = factory.Create(null);
        Assert.Equal(new PageAllocPoolTotals(1, Environment.ProcessorCount, 0, 0, factory.Pools[0].Pool.MaxCachedPages, 0), factory.ReadTotals());

        var rented = new List<IMemoryOwner<byte>>();
        for (int i = 0; i < 10; i++)
        {
            rented.Add(pool.Rent(4096));
        }

        PageAllocPoolTotals held = factory.ReadTotals();
        Assert.Equal(10, held.RentedBuffers);
        Assert.Equal(held.InflightPages, held.PooledPages + 10);
        foreach (IMemoryOwner<byte> block in rented)
        {
            block.Dispose();
        }

        PageAllocPoolTotals back = factory.ReadTotals();
        Assert.Equal(0, back.RentedBuffers);
        Assert.Equal(back.InflightPages, back.PooledPages);
        factory.ReleaseCachedPages();
        Assert.Equal(0, factory.ReadTotals().InflightPages);
    }

    [Fact]
    public void ReadTotals_and_the_stats_report_allocate_nothing()
    {
        using PageAllocMemoryPoolFactory factory = Factory();
        using MemoryPool<byte> pool = factory.Create(null);
        using IMemoryOwner<byte> block = pool.Rent(4096);
        Span<byte> buffer = stackalloc byte[SampleStats.MaxBytes];
        SampleStats.Write(buffer, factory);
        SampleStats.Write(buffer, null);
        factory.ReadTotals();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            factory.ReadTotals();
            SampleStats.Write(buffer, factory);
            SampleStats.Write(buffer, null);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_stats_report_says_what_the_pools_hold()
    {
        using PageAllocMemoryPoolFactory factory = Factory();
        using MemoryPool<byte> pool = factory.Create(null);
        using IMemoryOwner<byte> block = pool.Rent(4096);
        block.Memory.Span.Fill(1);
        byte[] buffer = new byte[SampleStats.MaxBytes];
        string text = Encoding.UTF8.GetString(buffer, 0, SampleStats.Write(buffer, factory));
        Assert.StartsWith("pool pagealloc\n", text, StringComparison.Ordinal);
        Dictionary<string, long> values = Parse(text);
        PageAllocPoolTotals totals = factory.ReadTotals();
        Assert.Equal(totals.InflightPages, values["pages_in_use"]);
        Assert.Equal(totals.PooledPages, values["pooled_pages"]);
        Assert.Equal(Environment.ProcessorCount, values["cpu_caches"]);
        Assert.Equal(1, values["pools"]);
        Assert.Equal(totals.MaxCachedPages, values["max_cached_pages"]);
        Assert.Equal(1, values["buffers_rented"]);
        Assert.InRange(values["resident_bytes"], 4096, 8L << 20);
        Assert.Equal(0, values["fallback_rents"]);

        Assert.Equal("pool kestrel-default\n", Encoding.UTF8.GetString(buffer, 0, SampleStats.Write(buffer, null)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SampleStats.Write(new byte[SampleStats.MaxBytes - 1], factory));
    }

    [Theory]
    [InlineData(PoolKind.PageAlloc, "pool pagealloc\n")]
    [InlineData(PoolKind.Default, "pool kestrel-default\n")]
    public async Task Both_servers_answer_pagealloc_stats(PoolKind kind, string first)
    {
        await using SampleServer server = SampleServer.Create(new SampleOptions { Urls = "http://127.0.0.1:0", SizeMiB = 16, Pool = kind });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address };
        using HttpResponseMessage response = await client.GetAsync("/pagealloc/stats");
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal(200, (int)response.StatusCode);
        Assert.StartsWith(first, text, StringComparison.Ordinal);
        Assert.Equal(text.Length, response.Content.Headers.ContentLength);
        if (kind == PoolKind.PageAlloc)
        {
            Dictionary<string, long> values = Parse(text);
            Assert.True(values["pools"] >= 1);
            Assert.True(values["buffers_rented"] >= 0);
        }
    }
}
