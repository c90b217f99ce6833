// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc;

/// <summary>
/// One per-CPU page list's state (C <c>struct pa_pcp_info</c>), read with
/// <see cref="PageAllocator.GetPcpInfo(int, int, ZoneType)"/>.
/// </summary>
public readonly struct PcpInfo
{
    internal PcpInfo(int count, int high, int batch)
    {
        Count = count;
        High = high;
        Batch = batch;
    }

    /// <summary>Pages on the list now (<c>count</c>).</summary>
    public int Count { get; }

    /// <summary>The count above which frees drain a batch to the buddy lists (<c>high</c>).</summary>
    public int High { get; }

    /// <summary>Pages moved per refill or drain (<c>batch</c>).</summary>
    public int Batch { get; }

    /// <inheritdoc/>
    public override string ToString() => $"count {Count}, high {High}, batch {Batch}";
}
