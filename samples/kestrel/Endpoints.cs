// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.IO.Pipelines;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PageAlloc.AspNetCore;

namespace PageAlloc.KestrelSample;

/// <summary>
/// The sample's endpoints: <c>GET /bytes/{n}</c> (n bytes of <see cref="Payload"/>, written
/// through the response pipe), <c>POST /echo</c> (the request body streamed back through the
/// pipes) and <c>GET /pagealloc</c> (the allocator and its pools as text; <c>?check=1</c> first
/// gives the pages cached in the page pools back, then runs the invariant check too) and
/// <c>GET /pagealloc/stats</c> (<see cref="SampleStats"/>: what the pools hold, allocation-free,
/// the report build.ps1 load polls on both servers), and <c>POST /pagealloc/clear-on-return/{on}</c>
/// (turns the pools' zeroing on return on or off: build.ps1 load times one server both ways).
/// </summary>
public static class Endpoints
{
    /// <summary>Maps the endpoints on <paramref name="app"/>.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/bytes/{n:long}", (HttpContext context, long n) => Download(context, n));
        app.MapPost("/echo", Echo);
        app.MapGet("/pagealloc", (HttpContext context) => Report(context));
        app.MapGet("/pagealloc/stats", (HttpContext context) => Stats(context));
        app.MapPost("/pagealloc/clear-on-return/{on:bool}", (HttpContext context, bool on) => SetClearOnReturn(context, on));
    }

    private static IResult SetClearOnReturn(HttpContext context, bool on)
    {
        if (context.RequestServices.GetService<PageAllocMemoryPoolFactory>() is not { } factory)
        {
            return Results.NotFound("Kestrel's own pool: no page pools to zero\n");
        }

        factory.ClearOnReturn = on;
        return Results.Text($"clear_on_return {(on ? "on" : "off")}\n");
    }

    private static async Task Download(HttpContext context, long length)
    {
        if (length < 0 || length > SampleOptions.MaxDownload)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = length;
        PipeWriter writer = context.Response.BodyWriter;
        long offset = 0;
        while (offset < length)
        {
            Span<byte> span = writer.GetSpan();
            int count = (int)Math.Min(span.Length, length - offset);
            Payload.Fill(span[..count], offset);
            writer.Advance(count);
            offset += count;
            if (offset == length || writer.UnflushedBytes >= 64 * 1024)
            {
                FlushResult flush = await writer.FlushAsync(context.RequestAborted);
                if (flush.IsCanceled || flush.IsCompleted)
                {
                    return;
                }
            }
        }
    }

    private static async Task Echo(HttpContext context)
    {
        context.Response.ContentType = "application/octet-stream";
        if (context.Request.ContentLength is long declared)
        {
            context.Response.ContentLength = declared;
        }

        PipeReader reader = context.Request.BodyReader;
        PipeWriter writer = context.Response.BodyWriter;
        while (true)
        {
            ReadResult read = await reader.ReadAsync(context.RequestAborted);
            ReadOnlySequence<byte> buffer = read.Buffer;
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                writer.Write(segment.Span);
            }

            reader.AdvanceTo(buffer.End);
            FlushResult flush = await writer.FlushAsync(context.RequestAborted);
            if (read.IsCompleted || flush.IsCompleted || flush.IsCanceled)
            {
                return;
            }
        }
    }

    private static Task Stats(HttpContext context)
    {
        Span<byte> body = stackalloc byte[SampleStats.MaxBytes];
        int length = SampleStats.Write(body, context.RequestServices.GetService<PageAllocMemoryPoolFactory>());
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = length;
        context.Response.BodyWriter.Write(body[..length]);
        return Task.CompletedTask;
    }

    private static Task Report(HttpContext context)
    {
        var text = new StringBuilder();
        PageAllocMemoryPoolFactory? factory = context.RequestServices.GetService<PageAllocMemoryPoolFactory>();
        SampleServerState? state = context.RequestServices.GetService<SampleServerState>();
        if (factory is null)
        {
            text.AppendLine("pool kestrel-default");
        }
        else
        {
            Describe(text, factory, state, context.Request.Query.ContainsKey("check"));
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString());
    }

    private static void Describe(StringBuilder text, PageAllocMemoryPoolFactory factory, SampleServerState? state, bool check)
    {
        PageAllocator allocator = factory.Allocator;
        if (check)
        {
            // The pages cached in the page pools go back first: what is in use then is what
            // callers hold (this request's own buffers among them: buffers_rented).
            factory.ReleaseCachedPages();
        }

        long free = SampleServer.FreePages(allocator);
        long managed = 0;
        for (int node = 0; node < allocator.NodeCount; node++)
        {
            managed += allocator.GetZoneInfo(node, ZoneType.Normal).Managed;
        }

        text.AppendLine("pool pagealloc");
        text.AppendLine(CultureInfo.InvariantCulture, $"managed_pages {managed}");
        text.AppendLine(CultureInfo.InvariantCulture, $"free_pages {free}");
        if (state is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"start_free_pages {state.StartFreePages}");
            text.AppendLine(CultureInfo.InvariantCulture, $"pages_in_use {state.StartFreePages - free}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"resident_bytes {allocator.ResidentBytes}");
        text.AppendLine(CultureInfo.InvariantCulture, $"fallback_rents {factory.FallbackRents}");
        long rented = 0;
        foreach (PageAllocPoolEntry pool in factory.Pools)
        {
            rented += pool.Pool.RentedBuffers;
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"buffers_rented {rented}");
        foreach (PageAllocPoolEntry pool in factory.Pools)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"pool_owner {pool.Owner}");
        }

        if (check)
        {
            string verdict = "ok";
            try
            {
                allocator.Check();
            }
            catch (InvalidOperationException exception)
            {
                verdict = exception.Message.Replace('\n', ' ');
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"check {verdict}");
        }

        text.AppendLine();
        text.AppendLine("# buddyinfo");
        text.Append(allocator.BuddyInfo());
        text.AppendLine();
        text.AppendLine("# metrics (meter PageAlloc)");
        foreach (string line in MetricLines())
        {
            text.AppendLine(line);
        }
    }

    /// <summary>One collection of every instrument on the meter "PageAlloc", as
    /// <c>name{tag=value,...} value</c> lines.</summary>
    private static List<string> MetricLines()
    {
        var lines = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PageAllocMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string labels = string.Join(',', tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
            lines.Add(labels.Length == 0 ? $"{instrument.Name} {value}" : $"{instrument.Name}{{{labels}}} {value}");
        });
        listener.Start();
        listener.RecordObservableInstruments();
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
