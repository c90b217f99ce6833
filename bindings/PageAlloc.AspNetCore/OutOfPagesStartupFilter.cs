// SPDX-License-Identifier: GPL-2.0-only
using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace PageAlloc.AspNetCore;

/// <summary>Puts <see cref="OutOfPagesMiddleware"/> first in the application's pipeline.</summary>
internal sealed class OutOfPagesStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<OutOfPagesMiddleware>();
        next(app);
    };
}
