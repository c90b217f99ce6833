// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace PageAlloc.AspNetCore.Tests;

/// <summary>
/// Kestrel's own pool instruments, published for the factory's page pools: meter
/// "Microsoft.AspNetCore.MemoryPool", the four instruments with their kinds and unit, the owner
/// tag (none for an unnamed pool), pools of one owner summed, in bytes, read by a MeterListener.
/// </summary>
public sealed class KestrelPoolMetricsTests
{
    private const int PageSize = 4096;

    [Fact]
    public void The_pools_publish_Kestrels_instruments_per_owner_in_bytes()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var factory = new PageAllocMemoryPoolFactory(Options.Create(new PageAllocMemoryPoolOptions
        {
            Size = 8L << 20,
            MaxOrder = 1,
            DecayPeriod = Timeout.InfiniteTimeSpan,
        }), meterFactory);

        var instruments = new Dictionary<string, Instrument>();
        var values = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this factory's meter: other tests' factories publish the same names.
            if (instrument.Meter.Name == "Microsoft.AspNetCore.MemoryPool" && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                lock (instruments)
                {
                    instruments[instrument.Name] = instrument;
                }

                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string owner = "(none)";
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                Assert.Equal("aspnetcore.memory_pool.owner", tag.Key);
                owner = (string)tag.Value!;
            }

            values[$"{instrument.Name};{owner}"] = value;
        });
        listener.Start();

        Assert.Equal(4, instruments.Count);
        Assert.IsType<ObservableUpDownCounter<long>>(instruments["aspnetcore.memory_pool.pooled"]);
        Assert.IsType<ObservableCounter<long>>(instruments["aspnetcore.memory_pool.allocated"]);
        Assert.IsType<ObservableCounter<long>>(instruments["aspnetcore.memory_pool.evicted"]);
        Assert.IsType<ObservableCounter<long>>(instruments["aspnetcore.memory_pool.rented"]);
        Assert.All(instruments.Values, i => Assert.Equal("By", i.Unit));

        using MemoryPool<byte> socketsA = factory.Create(new MemoryPoolOptions { Owner = "sockets" });
        using MemoryPool<byte> socketsB = factory.Create(new MemoryPoolOptions { Owner = "sockets" });
        using MemoryPool<byte> unnamed = factory.Create(null);
        var kept = new List<IMemoryOwner<byte>>();
        for (int i = 0; i < 10; i++)
        {
            kept.Add(socketsA.Rent(PageSize));
        }

        socketsB.Rent(2 * PageSize).Dispose(); // a block: straight back to the allocator, evicted
        unnamed.Rent().Dispose();

        listener.RecordObservableInstruments();
        // The two views of "sockets" share one page pool.
        Assert.Equal(2, factory.Pools.Count);
        PageMemoryPoolCounters a = factory.Pools[0].Pool.Counters, u = factory.Pools[1].Pool.Counters;
        Assert.Equal((10 + 2) * PageSize, values["aspnetcore.memory_pool.rented;sockets"]);
        Assert.Equal(1 * PageSize, values["aspnetcore.memory_pool.rented;(none)"]);
        Assert.Equal(a.AllocatedPages * PageSize, values["aspnetcore.memory_pool.allocated;sockets"]);
        Assert.True(a.AllocatedPages >= CpuPageCacheBatch, "a refill takes a batch");
        Assert.Equal(a.PooledPages * PageSize, values["aspnetcore.memory_pool.pooled;sockets"]);
        Assert.Equal((a.AllocatedPages - 2 - 10) * PageSize, values["aspnetcore.memory_pool.pooled;sockets"]);
        Assert.Equal(2 * PageSize, values["aspnetcore.memory_pool.evicted;sockets"]);
        Assert.Equal(u.AllocatedPages * PageSize, values["aspnetcore.memory_pool.pooled;(none)"]);
        Assert.Equal(0, values["aspnetcore.memory_pool.evicted;(none)"]);

        // Given back while open: evicted; what the renters hold stays allocated.
        factory.ReleaseCachedPages();
        listener.RecordObservableInstruments();
        Assert.Equal(0, values["aspnetcore.memory_pool.pooled;sockets"]);
        Assert.Equal(values["aspnetcore.memory_pool.allocated;sockets"] - 10 * PageSize, values["aspnetcore.memory_pool.evicted;sockets"]);

        // A disposed pool keeps its counts: the counters never go down.
        long allocated = values["aspnetcore.memory_pool.allocated;sockets"];
        kept.ForEach(k => k.Dispose());
        socketsA.Dispose();
        socketsB.Dispose(); // the owner's last view disposes the page pool
        listener.RecordObservableInstruments();
        Assert.Equal(allocated, values["aspnetcore.memory_pool.allocated;sockets"]);
        Assert.Equal(0, values["aspnetcore.memory_pool.pooled;sockets"]);
    }

    private const int CpuPageCacheBatch = 64;

    [Fact]
    public void Without_metrics_nothing_is_published()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var factory = new PageAllocMemoryPoolFactory(Options.Create(new PageAllocMemoryPoolOptions { Size = 1L << 20, Metrics = false }), meterFactory);
        int published = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                published++;
            }
        };
        listener.Start();
        Assert.Equal(0, published);
    }
}
