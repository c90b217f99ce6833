// SPDX-License-Identifier: GPL-2.0-only
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// A thread's memory policy (C <c>enum pa_mempolicy_mode</c>; the kernel's
/// <c>set_mempolicy(2)</c> modes, same values), set with
/// <see cref="PageAllocator.SetMemoryPolicy(MemoryPolicy, NodeMask?)"/>.
/// </summary>
public enum MemoryPolicy
{
    /// <summary>No policy: the node of the thread's CPU (<c>PA_MPOL_DEFAULT</c>).</summary>
    Default = (int)pa_mempolicy_mode.PA_MPOL_DEFAULT,

    /// <summary>One node first, then the usual fallback (<c>PA_MPOL_PREFERRED</c>).</summary>
    Preferred = (int)pa_mempolicy_mode.PA_MPOL_PREFERRED,

    /// <summary>Only the mask's nodes, nearest first (<c>PA_MPOL_BIND</c>).</summary>
    Bind = (int)pa_mempolicy_mode.PA_MPOL_BIND,

    /// <summary>The mask's nodes in turn (<c>PA_MPOL_INTERLEAVE</c>).</summary>
    Interleave = (int)pa_mempolicy_mode.PA_MPOL_INTERLEAVE,

    /// <summary>The node of the thread's CPU, stated explicitly (<c>PA_MPOL_LOCAL</c>).</summary>
    Local = (int)pa_mempolicy_mode.PA_MPOL_LOCAL,

    /// <summary>The mask's nodes first, without reclaim, then any node (<c>PA_MPOL_PREFERRED_MANY</c>).</summary>
    PreferredMany = (int)pa_mempolicy_mode.PA_MPOL_PREFERRED_MANY,

    /// <summary>The mask's nodes in turn, each for as many pages as its weight
    /// (<see cref="PageAllocator.SetInterleaveWeight(int, int)"/>) (<c>PA_MPOL_WEIGHTED_INTERLEAVE</c>).</summary>
    WeightedInterleave = (int)pa_mempolicy_mode.PA_MPOL_WEIGHTED_INTERLEAVE,
}
