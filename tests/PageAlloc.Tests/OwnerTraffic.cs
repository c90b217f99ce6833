// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using PageAlloc;

namespace PageAlloc.Tests;

/// <summary>The ownership moves the concurrency tests make with a fresh list, in one place.</summary>
internal static class OwnerTraffic
{
    /// <summary>The number of moves <see cref="Move"/> knows.</summary>
    public const int Moves = 4;

    /// <summary>Move <paramref name="choice"/> (0 to <see cref="Moves"/> - 1) with
    /// <paramref name="list"/>: dispose it; keep it and a split-off half; keep its detached
    /// first page and dispose the rest; fill and free a scratch array, append the list to the
    /// first kept list and dispose it.</summary>
    public static void Move(PageAllocator allocator, PageList list, int choice, Random random, List<IDisposable> kept)
    {
        switch (choice)
        {
            case 0:
                list.Dispose();
                break;
            case 1:
                if (list.Count > 1)
                {
                    kept.Add(list.Split(list.Count / 2));
                }

                kept.Add(list);
                break;
            case 2:
                if (list.Count > 0)
                {
                    kept.Add(list.Detach(0));
                }

                list.Dispose();
                break;
            default:
                using (var array = new PageArray(random.Next(1, 33)))
                {
                    allocator.FillBulk(array, Gfp.Kernel | Gfp.NoWarn, preferredNode: random.Next(-1, allocator.NodeCount));
                }

                if (kept.Count > 0 && kept[0] is PageList first && !first.IsClosed)
                {
                    first.Append(list);
                }

                list.Dispose();
                break;
        }
    }

    /// <summary>Disposes every kept owner once there are more than <paramref name="max"/>.</summary>
    public static void Trim(List<IDisposable> kept, int max)
    {
        if (kept.Count > max)
        {
            kept.ForEach(k => k.Dispose());
            kept.Clear();
        }
    }
}
