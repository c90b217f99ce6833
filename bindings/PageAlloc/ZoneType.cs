// SPDX-License-Identifier: GPL-2.0-only
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>A memory zone of a node (C <c>enum pa_zone_type</c>; the kernel's <c>enum zone_type</c>).</summary>
public enum ZoneType
{
    /// <summary>The DMA zone (<c>PA_ZONE_DMA</c>).</summary>
    Dma = (int)pa_zone_type.PA_ZONE_DMA,

    /// <summary>The DMA32 zone (<c>PA_ZONE_DMA32</c>).</summary>
    Dma32 = (int)pa_zone_type.PA_ZONE_DMA32,

    /// <summary>The NORMAL zone (<c>PA_ZONE_NORMAL</c>).</summary>
    Normal = (int)pa_zone_type.PA_ZONE_NORMAL,

    /// <summary>The MOVABLE zone (<c>PA_ZONE_MOVABLE</c>).</summary>
    Movable = (int)pa_zone_type.PA_ZONE_MOVABLE,
}
