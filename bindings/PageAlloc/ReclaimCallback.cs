// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc;

/// <summary>
/// A reclaim callback (the kernel's shrinker analogue; C <c>pa_reclaim_fn</c>): asked, on the
/// allocating thread with no allocator lock held, to free about <paramref name="pagesToFree"/>
/// pages of <paramref name="node"/> back to the allocator, for instance by disposing cached
/// <see cref="PageList"/>s. It may free pages; it should not allocate.
/// </summary>
/// <param name="node">The node short of memory, or -1 for any node.</param>
/// <param name="pagesToFree">About how many pages to free.</param>
/// <returns>The number of pages freed (negative values count as 0).</returns>
/// <remarks>
/// An exception thrown by the callback never reaches the native code: it counts as 0 pages
/// freed, is stored in <see cref="PageAllocator.CallbackException"/> and reported through
/// <see cref="PageAllocator.Log"/>.
/// </remarks>
public delegate long ReclaimCallback(int node, long pagesToFree);
