// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.ComponentModel;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// Allocation flags: the C <c>PA_GFP_*</c> flags (the kernel's <c>__GFP_*</c> / <c>GFP_*</c> of
/// <c>include/linux/gfp_types.h</c>), same values and meanings, names in PascalCase.
/// </summary>
[Flags]
public enum Gfp : uint
{
    /// <summary>No flag: a non-blocking request without reserve access (<c>0</c>).</summary>
    None = 0,

    /// <summary>Allocate from the DMA zone (<c>PA_GFP_DMA</c>).</summary>
    Dma = Methods.PA_GFP_DMA,

    /// <summary>The highest zone may be used; here it selects the NORMAL zone (<c>PA_GFP_HIGHMEM</c>).</summary>
    HighMem = Methods.PA_GFP_HIGHMEM,

    /// <summary>Allocate from the DMA32 zone or below (<c>PA_GFP_DMA32</c>).</summary>
    Dma32 = Methods.PA_GFP_DMA32,

    /// <summary>Movable pages: may use the MOVABLE zone; movable migratetype (<c>PA_GFP_MOVABLE</c>).</summary>
    Movable = Methods.PA_GFP_MOVABLE,

    /// <summary>Reclaimable migratetype (<c>PA_GFP_RECLAIMABLE</c>).</summary>
    Reclaimable = Methods.PA_GFP_RECLAIMABLE,

    /// <summary>Access to part of the min watermark reserve (<c>PA_GFP_HIGH</c>).</summary>
    High = Methods.PA_GFP_HIGH,

    /// <summary>May start I/O (kernel compatibility) (<c>PA_GFP_IO</c>).</summary>
    IO = Methods.PA_GFP_IO,

    /// <summary>May call into a file system (kernel compatibility) (<c>PA_GFP_FS</c>).</summary>
    FS = Methods.PA_GFP_FS,

    /// <summary>Return zeroed memory (<c>PA_GFP_ZERO</c>).</summary>
    Zero = Methods.PA_GFP_ZERO,

    /// <summary>May call the reclaim callbacks and wait for progress (<c>PA_GFP_DIRECT_RECLAIM</c>).</summary>
    DirectReclaim = Methods.PA_GFP_DIRECT_RECLAIM,

    /// <summary>Accepted for kernel compatibility; there is no kswapd (<c>PA_GFP_KSWAPD_RECLAIM</c>).</summary>
    KswapdReclaim = Methods.PA_GFP_KSWAPD_RECLAIM,

    /// <summary>No warning log line on failure (<c>PA_GFP_NOWARN</c>).</summary>
    NoWarn = Methods.PA_GFP_NOWARN,

    /// <summary>Retry, with reclaim, even for costly orders, but fail in the end (<c>PA_GFP_RETRY_MAYFAIL</c>).</summary>
    RetryMayFail = Methods.PA_GFP_RETRY_MAYFAIL,

    /// <summary>Never fail: retry until memory is freed by someone (<c>PA_GFP_NOFAIL</c>).</summary>
    NoFail = Methods.PA_GFP_NOFAIL,

    /// <summary>One round of reclaim at most, then fail (<c>PA_GFP_NORETRY</c>).</summary>
    NoRetry = Methods.PA_GFP_NORETRY,

    /// <summary>A compound page; accepted for compatibility (<c>PA_GFP_COMP</c>).</summary>
    Comp = Methods.PA_GFP_COMP,

    /// <summary>No access to the reserves even when non-blocking (<c>PA_GFP_NOMEMALLOC</c>).</summary>
    NoMemAlloc = Methods.PA_GFP_NOMEMALLOC,

    /// <summary>Enforce the thread's allowed nodes strictly (<c>PA_GFP_HARDWALL</c>).</summary>
    HardWall = Methods.PA_GFP_HARDWALL,

    /// <summary>Only the preferred node, no fallback to other nodes (<c>PA_GFP_THISNODE</c>).</summary>
    ThisNode = Methods.PA_GFP_THISNODE,

    /// <summary>Accepted and ignored: there is no memcg in user space (<c>PA_GFP_ACCOUNT</c>).</summary>
    Account = Methods.PA_GFP_ACCOUNT,

    /// <summary>Every defined flag; any other bit is rejected with <see cref="ArgumentException"/> (<c>PA_GFP_ALL_FLAGS</c>).</summary>
    AllFlags = Methods.PA_GFP_ALL_FLAGS,

    /// <summary><see cref="DirectReclaim"/> | <see cref="KswapdReclaim"/> (<c>PA_GFP_RECLAIM</c>).</summary>
    Reclaim = Methods.PA_GFP_RECLAIM,

    /// <summary>The usual blocking request: reclaim, I/O, FS (<c>PA_GFP_KERNEL</c>).</summary>
    Kernel = Methods.PA_GFP_KERNEL,

    /// <summary>A request that must not block, with reserve access (<c>PA_GFP_ATOMIC</c>).</summary>
    Atomic = Methods.PA_GFP_ATOMIC,

    /// <summary>A request that must not block, without reserve access (<c>PA_GFP_NOWAIT</c>).</summary>
    NoWait = Methods.PA_GFP_NOWAIT,

    /// <summary><see cref="Kernel"/> with <see cref="HardWall"/> (<c>PA_GFP_USER</c>).</summary>
    User = Methods.PA_GFP_USER,

    /// <summary><see cref="User"/> | <see cref="HighMem"/> | <see cref="Movable"/> (<c>PA_GFP_HIGHUSER_MOVABLE</c>).</summary>
    HighUserMovable = Methods.PA_GFP_HIGHUSER_MOVABLE,

    /// <summary>Alias of <see cref="HighMem"/>, spelled as the C name <c>PA_GFP_HIGHMEM</c> reads.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    Highmem = HighMem,

    /// <summary>Alias of <see cref="IO"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    Io = IO,

    /// <summary>Alias of <see cref="FS"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    Fs = FS,

    /// <summary>Alias of <see cref="HardWall"/>, spelled as the C name <c>PA_GFP_HARDWALL</c> reads.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    Hardwall = HardWall,

    /// <summary>Alias of <see cref="NoMemAlloc"/>, spelled as the C name <c>PA_GFP_NOMEMALLOC</c> reads.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    NoMemalloc = NoMemAlloc,
}
