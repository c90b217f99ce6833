// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PageAlloc.Benchmarks;

/// <summary>
/// Kestrel's own buffer pool, as a Kestrel server gets it: a slim web application with Kestrel,
/// its <see cref="IMemoryPoolFactory{T}"/> resolved from the services and asked for a pool
/// (<c>PinnedBlockMemoryPool</c>, 4 KiB blocks of pinned arrays). The host is built, never started.
/// </summary>
internal sealed class KestrelPool : IDisposable
{
    private readonly WebApplication _app;

    public KestrelPool()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel();
        builder.Logging.ClearProviders();
        _app = builder.Build();
        Pool = _app.Services.GetRequiredService<IMemoryPoolFactory<byte>>().Create();
    }

    /// <summary>The pool Kestrel's transports would use.</summary>
    public MemoryPool<byte> Pool { get; }

    public void Dispose()
    {
        Pool.Dispose();
        ((IDisposable)_app).Dispose();
    }
}
