// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace PageAlloc.KestrelSample;

/// <summary>
/// <c>pagealloc-kestrel [--pool default|pagealloc] [--size-mib N] [--max-order N] [--urls URL] [--debug-checks] [--http2] [--clear-on-return] [--pressure-window-ms N]</c>:
/// serves until SIGTERM or Ctrl+C, then stops, and with page pools checks that every page came
/// back ("leak check: 0 pages not returned, check ok").
/// </summary>
public static class Program
{
    /// <summary>Runs the server.</summary>
    public static async Task<int> Main(string[] args)
    {
        SampleOptions options;
        try
        {
            options = SampleOptions.Parse(args);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"pagealloc-kestrel: {exception.Message}");
            return 2;
        }

        await using SampleServer server = SampleServer.Create(options);
        await server.StartAsync();
        Console.WriteLine($"listening on {server.Address} (pool {options.Pool}, pid {Environment.ProcessId})");
        await server.App.WaitForShutdownAsync();
        await server.StopAsync();
        if (server.Allocator is null)
        {
            Console.WriteLine("stopped (Kestrel's own pool: no page accounting)");
            return 0;
        }

        (long leaked, string check) = server.LeakCheck();
        Console.WriteLine($"leak check: {leaked} pages not returned, check {check}");
        return leaked == 0 && check == "ok" ? 0 : 1;
    }
}
