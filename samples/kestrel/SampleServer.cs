// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using PageAlloc.AspNetCore;

namespace PageAlloc.KestrelSample;

/// <summary>
/// The sample server: Kestrel on page pools (or on its own pool, for comparison) with the
/// endpoints of <see cref="Endpoints"/>. The allocator is the server's own, not the factory's,
/// so that it outlives the host: after <see cref="StopAsync"/> every page must be back
/// (<see cref="LeakCheck"/>).
/// </summary>
public sealed class SampleServer : IAsyncDisposable
{
    private bool _stopped;

    private SampleServer(SampleOptions options, WebApplication app, PageAllocator? allocator, long startFree)
    {
        Options = options;
        App = app;
        Allocator = allocator;
        StartFreePages = startFree;
    }

    /// <summary>The settings.</summary>
    public SampleOptions Options { get; }

    /// <summary>The application.</summary>
    public WebApplication App { get; }

    /// <summary>The allocator of the page pools; null with Kestrel's own pool.</summary>
    public PageAllocator? Allocator { get; }

    /// <summary>Free pages (buddy and pcp) when the server was built.</summary>
    public long StartFreePages { get; }

    /// <summary>The address Kestrel listens on (after <see cref="StartAsync"/>).</summary>
    public Uri Address => new(App.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    /// <summary>Builds the server (not started).</summary>
    public static SampleServer Create(SampleOptions options)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(options.Urls);
        if (options.Http2)
        {
            builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Critical);
        PageAllocator? allocator = null;
        if (options.Pool == PoolKind.PageAlloc)
        {
            var poolOptions = new PageAllocMemoryPoolOptions { Size = options.SizeMiB << 20, MaxOrder = options.MaxOrder };
            PageAllocatorOptions allocatorOptions = poolOptions.ToAllocatorOptions();
            allocatorOptions.DebugChecks = options.DebugChecks;
            allocator = new PageAllocator(allocatorOptions);
            builder.Services.AddPageAllocMemoryPool(o =>
            {
                o.Allocator = allocator;
                o.MaxOrder = options.MaxOrder;
                o.ClearOnReturn = options.ClearOnReturn;
                o.PressureWindow = TimeSpan.FromMilliseconds(options.PressureWindowMs);
            });
        }

        long startFree = allocator is null ? 0 : FreePages(allocator);
        builder.Services.AddSingleton(new SampleServerState(startFree));
        WebApplication app = builder.Build();
        Endpoints.Map(app);
        return new SampleServer(options, app, allocator, startFree);
    }

    /// <summary>Starts listening.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => App.StartAsync(cancellationToken);

    /// <summary>Free pages of every zone, buddy and pcp lists together.</summary>
    public static long FreePages(PageAllocator allocator)
    {
        long free = 0;
        for (int node = 0; node < allocator.NodeCount; node++)
        {
            foreach (ZoneType zone in Enum.GetValues<ZoneType>())
            {
                try
                {
                    ZoneInfo info = allocator.GetZoneInfo(node, zone);
                    free += info.Free + info.PcpPages;
                }
                catch (ArgumentException)
                {
                    // The zone is absent on that node.
                }
            }
        }

        return free;
    }

    /// <summary>After the host has stopped and released its pools: the pages not back (0 when
    /// nothing leaked) and the invariant check's verdict ("ok" or its message).</summary>
    public (long Leaked, string Check) LeakCheck()
    {
        if (Allocator is null)
        {
            return (0, "no allocator");
        }

        Allocator.DrainAll();
        string check = "ok";
        try
        {
            Allocator.Check();
        }
        catch (InvalidOperationException exception)
        {
            check = exception.Message;
        }

        return (StartFreePages - FreePages(Allocator), check);
    }

    /// <summary>Stops the host and disposes it, and with it the factory and its pools; the
    /// allocator stays for <see cref="LeakCheck"/>. Stopping twice is harmless.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await App.StopAsync();
        await App.DisposeAsync();
    }

    /// <summary>Stops the host and disposes the allocator.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Allocator?.Dispose();
    }
}
