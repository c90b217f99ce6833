// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Cli.Host;

/// <summary>One zone of a <c>/proc/zoneinfo</c>: the static numbers an allocator shaped like
/// the host is compared on.</summary>
internal sealed class HostZone
{
    public int Node { get; init; }
    public string Name { get; init; } = "";
    public long Free { get; set; }
    public long Min { get; set; }
    public long Low { get; set; }
    public long High { get; set; }
    /// <summary>The promo watermark (6.x kernels with memory tiering); -1 when absent.</summary>
    public long Promo { get; set; } = -1;
    public long Spanned { get; set; }
    public long Present { get; set; }
    public long Managed { get; set; }
    public long StartPfn { get; set; }
    public List<long> Protection { get; } = [];
    public List<HostPcp> Pcp { get; } = [];
}

/// <summary>One CPU's pageset of a zone.</summary>
internal sealed class HostPcp
{
    public int Cpu { get; init; }
    public long Count { get; set; }
    public long High { get; set; }
    public long Batch { get; set; }
    /// <summary>6.7+ (pcp auto-tuning); -1 when absent.</summary>
    public long HighMin { get; set; } = -1;
    /// <summary>6.7+; -1 when absent.</summary>
    public long HighMax { get; set; } = -1;
}
