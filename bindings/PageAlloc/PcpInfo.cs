namespace PageAlloc;

/// <summary>
/// One per-CPU page list's state (C <c>struct pa_pcp_info</c>), read with
/// <see cref="PageAllocator.GetPcpInfo(int, int, ZoneType)"/>.
/// </summary>
public readonly struct PcpInfo
{
    internal PcpInfo(int count, int high, int batch, int highMin, int highMax)
    {
        Count = count;
        High = high;
        Batch = batch;
        HighMin = highMin;
        HighMax = highMax;
    }

    /// <summary>Pages on the list now (<c>count</c>).</summary>
    public int Count { get; }

    /// <summary>The count above which frees drain a batch to the buddy lists (<c>high</c>).</summary>
    public int High { get; }

    /// <summary>Pages moved per refill or drain (<c>batch</c>).</summary>
    public int Batch { get; }

    /// <summary>The least <see cref="High"/> the 6.7-6.18 tuning lowers it to (<c>high_min</c>);
    /// equal to <see cref="High"/> without <see cref="PageAllocatorOptions.PcpAutotune"/>.</summary>
    public int HighMin { get; }

    /// <summary>The most <see cref="High"/> the 6.7-6.18 tuning raises it to (<c>high_max</c>);
    /// equal to <see cref="High"/> without <see cref="PageAllocatorOptions.PcpAutotune"/>.</summary>
    public int HighMax { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"count {Count}, high {High}, batch {Batch}, high_min {HighMin}, high_max {HighMax}";
}
