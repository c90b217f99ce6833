// SPDX-License-Identifier: GPL-2.0-only
using System;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>Memory policies (rules B20-B24 of <c>docs/BULK_RULES.md</c>; the kernel's <c>mm/mempolicy.c</c>).</summary>
/// <remarks>A policy, like the kernel's task policy, belongs to the calling thread (per allocator),
/// and so does the interleave position it advances: set it on the thread that allocates, and keep
/// code that relies on it off <c>await</c> points that may resume on another thread.</remarks>
public sealed unsafe partial class PageAllocator
{
    private const int MaxInterleaveWeight = 255;

    /// <summary>Sets the calling thread's memory policy for this allocator, as
    /// <c>set_mempolicy(2)</c>. <see cref="AllocatePages(int, Gfp, int)"/> with node -1 and the
    /// memory-policy bulk forms follow it; calls naming a node do not.</summary>
    /// <param name="mode">The policy.</param>
    /// <param name="nodes">Its nodes: none for <see cref="MemoryPolicy.Default"/> and
    /// <see cref="MemoryPolicy.Local"/>; at least one of this allocator's for the others, except
    /// <see cref="MemoryPolicy.Preferred"/>, where none means <see cref="MemoryPolicy.Local"/>.
    /// Nodes the allocator lacks are dropped; <see cref="MemoryPolicy.Preferred"/> keeps the first.</param>
    /// <remarks>Calls <c>pa_set_mempolicy</c>. Interleaving restarts at the mask's first node.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a policy.</exception>
    /// <exception cref="ArgumentException">A mask where the mode takes none, or no node of this
    /// allocator (with memory) where it needs one.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void SetMemoryPolicy(MemoryPolicy mode, NodeMask? nodes = null)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a memory policy.");
        }

        NodeMask mask = nodes.GetValueOrDefault();
        bool takesNone = mode is MemoryPolicy.Default or MemoryPolicy.Local;
        if (takesNone && !mask.IsEmpty)
        {
            throw new ArgumentException($"The {mode} policy takes no nodes, but {mask} was given.", nameof(nodes));
        }

        if (!takesNone && !(mode == MemoryPolicy.Preferred && mask.IsEmpty) && (mask & NodeMask.FirstNodes(NodeCount)).IsEmpty)
        {
            throw new ArgumentException($"The {mode} policy needs at least one node of this allocator ({NodeCount} nodes); {mask} has none.", nameof(nodes));
        }

        pa_allocator* a = Enter();
        try
        {
            pa_nodemask_t native = mask.ToNative();
            int rc = Methods.pa_set_mempolicy(a, (int)mode, &native);
            if (rc == -ENOMEM)
            {
                throw new InsufficientMemoryException("pa_set_mempolicy could not allocate the thread's state.");
            }

            if (rc < 0)
            {
                throw new ArgumentException($"pa_set_mempolicy rejected {mode} {mask} ({rc}): no node of the mask has memory.", nameof(nodes));
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>The calling thread's memory policy for this allocator and its nodes (none for
    /// <see cref="MemoryPolicy.Default"/> and <see cref="MemoryPolicy.Local"/>).</summary>
    /// <returns>The mode and its nodes.</returns>
    /// <remarks>Calls <c>pa_get_mempolicy</c>.</remarks>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public (MemoryPolicy Mode, NodeMask Nodes) GetMemoryPolicy()
    {
        pa_allocator* a = Enter();
        try
        {
            int mode;
            pa_nodemask_t nodes;
            ThrowOnError(Methods.pa_get_mempolicy(a, &mode, &nodes), "pa_get_mempolicy");
            return ((MemoryPolicy)mode, new NodeMask(nodes.bits[0]));
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Sets the weighted interleave weight of <paramref name="node"/> for every thread
    /// (the kernel's <c>/sys/kernel/mm/mempolicy/weighted_interleave/nodeN</c>).</summary>
    /// <param name="node">0 to <see cref="NodeCount"/> - 1.</param>
    /// <param name="weight">1 to 255; every node starts at 1.</param>
    /// <remarks>Calls <c>pa_set_interleave_weight</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public void SetInterleaveWeight(int node, int weight)
    {
        CheckNode(node, allowNoNode: false, nameof(node));
        if (weight < 1 || weight > MaxInterleaveWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"The weight must be 1 to {MaxInterleaveWeight}.");
        }

        pa_allocator* a = Enter();
        try
        {
            ThrowOnError(Methods.pa_set_interleave_weight(a, node, (uint)weight), "pa_set_interleave_weight");
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>The weighted interleave weight of <paramref name="node"/>, 1 to 255.</summary>
    /// <param name="node">0 to <see cref="NodeCount"/> - 1.</param>
    /// <returns>The weight.</returns>
    /// <remarks>Calls <c>pa_get_interleave_weight</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="node"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public int GetInterleaveWeight(int node)
    {
        CheckNode(node, allowNoNode: false, nameof(node));
        pa_allocator* a = Enter();
        try
        {
            int weight = Methods.pa_get_interleave_weight(a, node);
            ThrowOnError(weight, "pa_get_interleave_weight");
            return weight;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Allocates up to <paramref name="count"/> order-0 pages placed by the calling
    /// thread's memory policy (<c>alloc_pages_bulk_mempolicy</c>): interleaving splits them over
    /// the policy's nodes, one bulk call per node; <see cref="MemoryPolicy.PreferredMany"/> tries
    /// its nodes first. The list may hold fewer pages than asked for.</summary>
    /// <param name="count">Pages wanted, 0 or more.</param>
    /// <param name="gfp">Allocation flags.</param>
    /// <param name="useMemoryPolicy">True for the policy's placement; false is
    /// <see cref="AllocateBulk(int, Gfp, int, NodeMask?)"/> on this thread's node.</param>
    /// <returns>A new list owning the pages.</returns>
    /// <remarks>Calls <c>pa_alloc_pages_bulk_mempolicy_list</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="gfp"/> is a mask the allocator refuses (<c>pa_gfp_valid</c>): unknown bits, a bad zone combination, or Movable with Reclaimable.</exception>
    /// <exception cref="ObjectDisposedException">The allocator is disposed.</exception>
    public PageList AllocateBulk(int count, Gfp gfp, bool useMemoryPolicy)
    {
        if (!useMemoryPolicy)
        {
            return AllocateBulk(count, gfp);
        }

        CheckBulk(count, gfp, Methods.PA_NUMA_NO_NODE, null);
        ThrowIfDisposed();
        var list = new PageList(_handle, _allocator, PageSize);
        list.OnAppended((int)Methods.pa_alloc_pages_bulk_mempolicy_list(_allocator, (uint)gfp, (nuint)count, list.UncheckedHead));
        return list;
    }

    /// <summary>As <see cref="AllocateBulk(int, Gfp, bool)"/>, appending the pages to an existing
    /// list.</summary>
    /// <param name="destination">A list of this allocator; pages are appended.</param>
    /// <param name="count">Pages wanted, 0 or more.</param>
    /// <param name="gfp">Allocation flags.</param>
    /// <param name="useMemoryPolicy">True for the policy's placement; false is
    /// <see cref="AllocateBulk(PageList, int, Gfp, int, NodeMask?)"/> on this thread's node.</param>
    /// <returns>The number of pages this call added.</returns>
    /// <remarks>Calls <c>pa_alloc_pages_bulk_mempolicy_list</c>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">A bad flag, or <paramref name="destination"/> belongs to another allocator.</exception>
    /// <exception cref="ObjectDisposedException">The allocator or the list is disposed.</exception>
    public int AllocateBulk(PageList destination, int count, Gfp gfp, bool useMemoryPolicy)
    {
        if (!useMemoryPolicy)
        {
            return AllocateBulk(destination, count, gfp);
        }

        ArgumentNullException.ThrowIfNull(destination);
        CheckBulk(count, gfp, Methods.PA_NUMA_NO_NODE, null);
        ThrowIfDisposed();
        pa_list_head* head = destination.Head;
        if (destination.Allocator != _allocator)
        {
            throw new ArgumentException("The list belongs to another allocator.", nameof(destination));
        }

        int added = (int)Methods.pa_alloc_pages_bulk_mempolicy_list(_allocator, (uint)gfp, (nuint)count, head);
        destination.OnAppended(added);
        return added;
    }

    /// <summary>Fills the empty slots of <paramref name="array"/> with order-0 pages placed by the
    /// calling thread's memory policy (<c>alloc_pages_bulk_mempolicy</c>): interleaving gives each
    /// node a window of the array, and a populated slot counts toward the share of the node whose
    /// window holds it. Returns how many slots are populated now.</summary>
    /// <param name="array">The array; bound to this allocator by its first fill.</param>
    /// <param name="gfp">Allocation flags.</param>
    /// <param name="useMemoryPolicy">True for the policy's placement; false is
    /// <see cref="FillBulk(PageArray, Gfp, int, NodeMask?, bool)"/> on this thread's node.</param>
    /// <param name="loop">Retry while progress is made.</param>
    /// <returns>The number of populated slots.</returns>
    /// <remarks>Calls <c>pa_alloc_pages_bulk_mempolicy</c>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="ArgumentException">A bad flag, or the array holds another allocator's pages.</exception>
    /// <exception cref="ObjectDisposedException">The allocator or the array is disposed.</exception>
    public int FillBulk(PageArray array, Gfp gfp, bool useMemoryPolicy, bool loop = false)
    {
        if (!useMemoryPolicy)
        {
            return FillBulk(array, gfp, Methods.PA_NUMA_NO_NODE, null, loop);
        }

        ArgumentNullException.ThrowIfNull(array);
        CheckBulk(0, gfp, Methods.PA_NUMA_NO_NODE, null);
        ThrowIfDisposed();
        array.Bind(_handle, _allocator, PageSize);
        nuint length = (nuint)array.Length;
        nuint populated = Methods.pa_alloc_pages_bulk_mempolicy(_allocator, (uint)gfp, length, array.Slots);
        while (loop && populated < length)
        {
            nuint next = Methods.pa_alloc_pages_bulk_mempolicy(_allocator, (uint)gfp, length, array.Slots);
            if (next == populated)
            {
                break;
            }

            populated = next;
        }

        return array.OnFilled();
    }
}
