// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using PageAlloc.KestrelSample;

namespace PageAlloc.AspNetCore.Tests;

/// <summary>Real HTTP requests to the sample over loopback, each body checked.</summary>
internal static class Traffic
{
    /// <summary>How one request ended.</summary>
    internal enum Outcome
    {
        /// <summary>200 with exactly the expected body.</summary>
        Ok,

        /// <summary>503 Service Unavailable (out of pages before the response started).</summary>
        Unavailable,

        /// <summary>The connection closed before a whole response (out of pages after it started).</summary>
        Closed,
    }

    internal static HttpClient Client(Uri address) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 256,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>GET /bytes/{n}: the outcome; a 200 whose body is not the payload throws.</summary>
    internal static async Task<Outcome> DownloadAsync(HttpClient client, long length, CancellationToken cancellationToken = default)
    {
        try
        {
            using HttpResponseMessage response = await client.GetAsync($"/bytes/{length}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return Outcome.Unavailable;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidDataException($"/bytes/{length}: status {(int)response.StatusCode}");
            }

            await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken);
            byte[] buffer = new byte[64 * 1024];
            long offset = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                int mismatch = Payload.FindMismatch(buffer.AsSpan(0, read), offset);
                if (mismatch >= 0)
                {
                    throw new InvalidDataException($"/bytes/{length}: wrong byte at {offset + mismatch}");
                }

                offset += read;
            }

            if (offset != length)
            {
                throw new InvalidDataException($"/bytes/{length}: {offset} bytes");
            }

            return Outcome.Ok;
        }
        catch (Exception exception) when (IsClosedConnection(exception))
        {
            return Outcome.Closed;
        }
    }

    /// <summary>POST /echo with <paramref name="body"/>: the outcome; a 200 that is not the body throws.</summary>
    internal static async Task<Outcome> EchoAsync(HttpClient client, byte[] body, CancellationToken cancellationToken = default)
    {
        try
        {
            using var content = new ByteArrayContent(body);
            using HttpResponseMessage response = await client.PostAsync("/echo", content, cancellationToken);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return Outcome.Unavailable;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidDataException($"/echo {body.Length}: status {(int)response.StatusCode}");
            }

            byte[] echoed = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!echoed.AsSpan().SequenceEqual(body))
            {
                throw new InvalidDataException($"/echo {body.Length}: {echoed.Length} bytes came back, not the body sent");
            }

            return Outcome.Ok;
        }
        catch (Exception exception) when (IsClosedConnection(exception))
        {
            return Outcome.Closed;
        }
    }

    /// <summary>An upload body of <paramref name="length"/> bytes, different for each seed.</summary>
    internal static byte[] Body(int length, int seed)
    {
        byte[] body = new byte[length];
        new Random(seed).NextBytes(body);
        return body;
    }

    /// <summary>Runs <paramref name="count"/> requests, <paramref name="concurrency"/> at a time;
    /// returns how many ended each way.</summary>
    internal static async Task<Dictionary<Outcome, int>> RunAsync(int count, int concurrency, Func<int, Task<Outcome>> request)
    {
        var outcomes = new Dictionary<Outcome, int> { [Outcome.Ok] = 0, [Outcome.Unavailable] = 0, [Outcome.Closed] = 0 };
        int next = -1;
        async Task Worker()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                Outcome outcome = await request(index);
                lock (outcomes)
                {
                    outcomes[outcome]++;
                }
            }
        }

        var workers = new Task[concurrency];
        for (int i = 0; i < concurrency; i++)
        {
            workers[i] = Task.Run(Worker);
        }

        await Task.WhenAll(workers);
        return outcomes;
    }

    // A response cut short: HttpClient reports the closed connection as an HttpRequestException
    // or an IOException (reading the body), never as a wrong body.
    private static bool IsClosedConnection(Exception exception) =>
        exception is HttpRequestException or IOException && exception is not InvalidDataException;
}
