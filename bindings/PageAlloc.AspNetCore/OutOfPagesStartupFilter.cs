// SPDX-License-Identifier: GPL-2.0-only
using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace PageAlloc.AspNetCore;

/// <summary>Puts <see cref="OutOfPagesMiddleware"/> first in the application's pipeline when the
/// options set a <see cref="PageAllocMemoryPoolOptions.PressureWindow"/>. Without one the door
/// never closes, so nothing of the page pools sits in the request path: the middleware awaits the
/// rest of the pipeline, which costs every request that does not finish at once a state machine
/// on the heap (about 100 bytes, 4% of what an HTTP/2 download allocates).</summary>
internal sealed class OutOfPagesStartupFilter(IOptions<PageAllocMemoryPoolOptions> options) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (options.Value.PressureWindowMs > 0)
        {
            app.UseMiddleware<OutOfPagesMiddleware>();
        }

        next(app);
    };
}
