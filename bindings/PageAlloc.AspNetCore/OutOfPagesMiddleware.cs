// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PageAlloc.AspNetCore;

/// <summary>
/// Requests fail cleanly when the allocator runs out of pages: while the factory is
/// <see cref="PageAllocMemoryPoolFactory.UnderPressure"/>, a new request gets
/// 503 Service Unavailable with <c>Retry-After</c> before anything of it runs. An
/// <see cref="InsufficientMemoryException"/> from the application (its own rents from a page
/// pool) becomes a 503 when the response has not started, and aborts the connection when it has
/// (the client sees a short response and a closed connection, never a wrong body). It is in the
/// pipeline only with a <see cref="PageAllocMemoryPoolOptions.PressureWindow"/>
/// (<see cref="OutOfPagesStartupFilter"/>).
/// </summary>
internal sealed partial class OutOfPagesMiddleware(RequestDelegate next, PageAllocMemoryPoolFactory factory, ILogger<OutOfPagesMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (factory.UnderPressure)
        {
            Reject(context.Response);
            return;
        }

        try
        {
            await next(context);
        }
        catch (InsufficientMemoryException exception)
        {
            LogOutOfPages(logger, context.Request.Path, context.Response.HasStarted, exception.Message);
            if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
            {
                context.Abort();
                return;
            }

            context.Response.Clear();
            Reject(context.Response);
        }
    }

    private static void Reject(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = "1";
        response.ContentLength = 0;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Out of pages serving {Path} (response started: {Started}): {Reason}")]
    private static partial void LogOutOfPages(ILogger logger, PathString path, bool started, string reason);
}
