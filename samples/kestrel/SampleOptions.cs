// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Globalization;

namespace PageAlloc.KestrelSample;

/// <summary>Which pool Kestrel uses.</summary>
public enum PoolKind
{
    /// <summary>Kestrel's own (PinnedBlockMemoryPool).</summary>
    Default,

    /// <summary>Page pools (PageAlloc.AspNetCore).</summary>
    PageAlloc,
}

/// <summary>The server's settings, from the command line:
/// <c>--pool default|pagealloc --size-mib N --max-order N --urls URL --debug-checks --http2 --clear-on-return
/// --pressure-window-ms N</c>.</summary>
public sealed class SampleOptions
{
    /// <summary>The largest download /bytes/{n} serves: 64 MiB.</summary>
    public const long MaxDownload = 64L << 20;

    /// <summary>Kestrel's pool or page pools (default: page pools).</summary>
    public PoolKind Pool { get; set; } = PoolKind.PageAlloc;

    /// <summary>The allocator's memory in MiB (default 256).</summary>
    public long SizeMiB { get; set; } = 256;

    /// <summary>The largest block order of the page pools (default 0, Kestrel's 4 KiB blocks).</summary>
    public int MaxOrder { get; set; }

    /// <summary>Where to listen (default http://127.0.0.1:5080; port 0 picks a free one).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Full bad_page checks in the allocator.</summary>
    public bool DebugChecks { get; set; }

    /// <summary>Serve HTTP/2 only, without TLS (clients such as h2load connect with prior
    /// knowledge): Kestrel speaks HTTP/2 on a cleartext endpoint only when HTTP/1.1 is off.</summary>
    public bool Http2 { get; set; }

    /// <summary>Zero every buffer as it comes back to a page pool
    /// (<see cref="PageAlloc.AspNetCore.PageAllocMemoryPoolOptions.ClearOnReturn"/>).</summary>
    public bool ClearOnReturn { get; set; }

    /// <summary>How long new requests get 503 after the allocator ran out, in milliseconds
    /// (<see cref="PageAlloc.AspNetCore.PageAllocMemoryPoolOptions.PressureWindow"/>; default 0:
    /// never, rents beyond the allocator are served from managed arrays).</summary>
    public int PressureWindowMs { get; set; }

    /// <summary>Reads the options from <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static SampleOptions Parse(string[] args)
    {
        var options = new SampleOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--pool":
                    options.Pool = Value() switch
                    {
                        "default" => PoolKind.Default,
                        "pagealloc" => PoolKind.PageAlloc,
                        string other => throw new ArgumentException($"--pool default|pagealloc, not {other}"),
                    };
                    break;
                case "--size-mib": options.SizeMiB = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--max-order": options.MaxOrder = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--urls": options.Urls = Value(); break;
                case "--debug-checks": options.DebugChecks = true; break;
                case "--http2": options.Http2 = true; break;
                case "--clear-on-return": options.ClearOnReturn = true; break;
                case "--pressure-window-ms": options.PressureWindowMs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return options;
    }
}
