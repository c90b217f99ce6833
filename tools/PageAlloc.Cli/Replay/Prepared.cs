// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using PageAlloc.Cli.Host;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// An allocator shaped like the host and seeded with its free blocks: the part of the replay's
/// set-up that needs nothing from the trace but the memory onlined during it, so that it can run
/// beside the first pass.
/// </summary>
internal sealed class Prepared : IDisposable
{
    private Prepared(PageAllocator allocator, Seeder? seeder)
    {
        Allocator = allocator;
        Seeder = seeder;
    }

    public PageAllocator Allocator { get; }

    /// <summary>Null without a buddyinfo to seed from (all memory free).</summary>
    public Seeder? Seeder { get; }

    /// <summary>Makes the allocator of <paramref name="shape"/>, its zones larger by
    /// <paramref name="onlined"/>, and seeds it from <paramref name="target"/> and <paramref name="types"/>.</summary>
    public static Prepared Make(HostShape shape, bool tuned, IReadOnlyDictionary<ZoneType, long> onlined,
        IReadOnlyList<BuddyInfoFile.Zone>? target, IReadOnlyList<PageTypeInfoFile.Zone>? types)
    {
        var allocator = new PageAllocator(Options(shape, tuned, onlined));
        try
        {
            return new Prepared(allocator, target is null ? null : Seeder.Seed(allocator, target, types));
        }
        catch
        {
            allocator.Dispose();
            throw;
        }
    }

    /// <summary>The replay's allocator: shaped like the host, its descriptor table in huge pages
    /// (<see cref="PageAllocatorOptions.HugeMemmap"/>), as seeding writes every descriptor of the
    /// machine: on a 24 GiB machine that is 10,000 fewer page faults, a sixth of a 245,000-event
    /// replay's whole run (docs/FIDELITY.md).</summary>
    internal static PageAllocatorOptions Options(HostShape shape, bool tuned, IReadOnlyDictionary<ZoneType, long> onlined)
    {
        PageAllocatorOptions options = shape.ToOptions(pcpAutotune: tuned, extraPages: onlined);
        options.HugeMemmap = true;
        return options;
    }

    public void Dispose() => Allocator.Dispose();
}
