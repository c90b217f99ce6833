// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PageAlloc.AspNetCore;

/// <summary>
/// A request that finds the allocator out of pages fails cleanly: a rent that throws
/// <see cref="InsufficientMemoryException"/> (the response body writer asking the pool for a
/// block) becomes 503 Service Unavailable with <c>Retry-After</c> when the response has not
/// started, and aborts the connection when it has (the client sees a short response and a
/// closed connection, never a wrong body). Rents that fail inside Kestrel's transport close
/// their connection there.
/// </summary>
internal sealed partial class OutOfPagesMiddleware(RequestDelegate next, ILogger<OutOfPagesMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
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
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            context.Response.ContentLength = 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Out of pages serving {Path} (response started: {Started}): {Reason}")]
    private static partial void LogOutOfPages(ILogger logger, PathString path, bool started, string reason);
}
