// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Cli.Replay;

/// <summary>Fragmentation numbers from free blocks by order.</summary>
internal static class FreeIndex
{
    /// <summary>
    /// The unusable free space index at <paramref name="order"/>, as
    /// <c>/sys/kernel/debug/extfrag/unusable_index</c> computes it (mm/vmstat.c
    /// <c>unusable_free_index</c>): the share of free pages in blocks too small for an
    /// allocation of that order, 0 when nothing is free.
    /// </summary>
    /// <param name="freeBlocks">Free blocks per order.</param>
    /// <param name="order">The allocation order.</param>
    public static double Unusable(long[] freeBlocks, int order)
    {
        long free = 0;
        long suitable = 0;
        for (int o = 0; o < freeBlocks.Length; o++)
        {
            free += freeBlocks[o] << o;
            if (o >= order)
            {
                suitable += freeBlocks[o] << o;
            }
        }

        return free == 0 ? 0 : (double)(free - suitable) / free;
    }
}
