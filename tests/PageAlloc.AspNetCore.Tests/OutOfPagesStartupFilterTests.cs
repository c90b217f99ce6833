// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace PageAlloc.AspNetCore.Tests;

/// <summary>
/// The door (<see cref="OutOfPagesMiddleware"/>) is in the request path only with a pressure
/// window: without one the application's pipeline is exactly its own, so a request pays nothing
/// for the page pools (the middleware's await is a heap-allocated state machine per request).
/// </summary>
public sealed class OutOfPagesStartupFilterTests
{
    [Fact]
    public void Without_a_pressure_window_the_pipeline_is_the_applications_own()
    {
        RequestDelegate terminal = _ => Task.CompletedTask;
        Assert.Same(terminal, BuildPipeline(TimeSpan.Zero, terminal));
        // Under a millisecond is no window either: the factory counts whole milliseconds.
        Assert.Same(terminal, BuildPipeline(TimeSpan.FromTicks(5_000), terminal));
    }

    [Fact]
    public void With_a_pressure_window_the_door_comes_first()
    {
        RequestDelegate terminal = _ => Task.CompletedTask;
        Assert.NotSame(terminal, BuildPipeline(TimeSpan.FromMilliseconds(200), terminal));
    }

    // The pipeline AddPageAllocMemoryPool's startup filter makes of an application that is just terminal.
    private static RequestDelegate BuildPipeline(TimeSpan window, RequestDelegate terminal)
    {
        using ServiceProvider services = new ServiceCollection().AddLogging()
            .AddPageAllocMemoryPool(o => { o.Size = 2 << 20; o.PressureWindow = window; })
            .BuildServiceProvider();
        var app = new ApplicationBuilder(services);
        IStartupFilter filter = Assert.Single(services.GetServices<IStartupFilter>());
        filter.Configure(a => a.Run(terminal))(app);
        return app.Build();
    }
}
