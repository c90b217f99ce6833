// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Linq;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PageAlloc.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts Kestrel on page pools: <c>builder.Services.AddPageAllocMemoryPool()</c>.</summary>
public static class PageAllocServiceCollectionExtensions
{
    /// <summary>
    /// Replaces Kestrel's memory pool factory (<see cref="IMemoryPoolFactory{T}"/> of
    /// <see cref="byte"/>) with a <see cref="PageAllocMemoryPoolFactory"/> configured by
    /// <paramref name="configure"/>, which rents from Kestrel's own factory what the allocator
    /// cannot hold (<see cref="PageAllocMemoryPoolOptions.OverflowFactory"/>, unless one is set).
    /// With a <see cref="PageAllocMemoryPoolOptions.PressureWindow"/>, it also puts a middleware
    /// first in the pipeline that turns new requests away with 503 Service Unavailable while the
    /// allocator is low, and maps a request that runs it out of memory to 503 (or a closed
    /// connection once the response has started); without one, nothing of it sits in the request
    /// path.
    /// </summary>
    /// <param name="services">The application's services, after the web host's (as
    /// <c>WebApplication.CreateBuilder</c> leaves them).</param>
    /// <param name="configure">Sets the options: size, nodes, gfp, largest order, metrics.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddPageAllocMemoryPool(this IServiceCollection services, Action<PageAllocMemoryPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddOptions(services, configure);
        KeepKestrelFactory(services);
        services.TryAddSingleton<PageAllocMemoryPoolFactory>();
        // Kestrel's own factory goes, wherever it was registered: the last registration wins
        // for a single service, and no one should get Kestrel's pool by enumerating either.
        services.RemoveAll<IMemoryPoolFactory<byte>>();
        services.AddSingleton<IMemoryPoolFactory<byte>>(provider => provider.GetRequiredService<PageAllocMemoryPoolFactory>());
        if (!services.Any(d => d.ServiceType == typeof(IStartupFilter) && d.ImplementationType == typeof(OutOfPagesStartupFilter)))
        {
            services.AddTransient<IStartupFilter, OutOfPagesStartupFilter>();
        }

        return services;
    }

    /// <summary>Kestrel's own factory, as the web host registered it, becomes the overflow
    /// factory when the options are read without one: kept at the first call only (later ones
    /// would find ours).</summary>
    private static void KeepKestrelFactory(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(KestrelFactory)) ||
            services.LastOrDefault(d => d.ServiceType == typeof(IMemoryPoolFactory<byte>) && !d.IsKeyedService) is not { } kestrel)
        {
            return;
        }

        services.AddSingleton(new KestrelFactory(kestrel));
        services.AddOptions<PageAllocMemoryPoolOptions>().PostConfigure<IServiceProvider>((options, provider) =>
            options.OverflowFactory ??= provider.GetRequiredService<KestrelFactory>().Create(provider));
    }

    /// <summary>The registration of Kestrel's factory that <c>AddPageAllocMemoryPool</c> replaced.</summary>
    private sealed class KestrelFactory(ServiceDescriptor registration)
    {
        public IMemoryPoolFactory<byte>? Create(IServiceProvider provider) =>
            (registration.ImplementationInstance ?? registration.ImplementationFactory?.Invoke(provider) ??
             (registration.ImplementationType is { } type ? ActivatorUtilities.CreateInstance(provider, type) : null)) as IMemoryPoolFactory<byte>;
    }

    private static void AddOptions(IServiceCollection services, Action<PageAllocMemoryPoolOptions>? configure)
    {
        services.AddOptions<PageAllocMemoryPoolOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }
    }
}
