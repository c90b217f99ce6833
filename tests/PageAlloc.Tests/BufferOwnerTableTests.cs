// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Linq;
using System.Threading;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>
/// The pool's table of owners and of their lease states: one chunk of states per 1024 frames,
/// made once even when threads race for it, and each frame's state its own, so a neighbour's
/// return never touches a buffer still out.
/// </summary>
public sealed class BufferOwnerTableTests : LeakCheckedTest
{
    [Fact]
    public void One_chunk_of_states_serves_1024_frames_and_starts_free()
    {
        var table = new BufferOwnerTable(4096);
        int[] first = table.StatesOf(0);
        Assert.Same(first, table.StatesOf(1023));
        Assert.NotSame(first, table.StatesOf(1024));
        Assert.Equal(1024, first.Length);
        Assert.All(first, state => Assert.Equal(0, state));
        Assert.Equal(5, BufferOwnerTable.StateIndexOf(1024 + 5));
    }

    [Fact]
    public void Threads_racing_for_a_new_chunk_of_states_all_get_the_same_one()
    {
        for (int round = 0; round < 50; round++)
        {
            var table = new BufferOwnerTable(1 << 20);
            long pfn = 1024L * round;
            using var start = new Barrier(4);
            var seen = new int[4][];
            Thread[] threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                seen[i] = table.StatesOf(pfn + i);
            })).ToArray();
            Array.ForEach(threads, t => t.Start());
            Array.ForEach(threads, t => t.Join());
            Assert.All(seen, chunk => Assert.Same(seen[0], chunk));
        }
    }

    [Fact]
    public void Returning_a_buffer_leaves_its_neighbours_leased()
    {
        using PageAllocator allocator = Create();
        using var pool = new PageMemoryPool(allocator, Gfp.Kernel, 0, Timeout.InfiniteTimeSpan);
        // A refill takes a batch in one bulk call: the pages are neighbours, their states share a chunk.
        var owners = Enumerable.Range(0, 32).Select(_ => (PageBlockMemoryManager)pool.Rent(4096)).ToList();
        Assert.Contains(owners, o => owners.Any(n => n.Pfn == o.Pfn + 1));
        for (int i = 0; i < owners.Count; i += 2)
        {
            ((IDisposable)owners[i]).Dispose();
        }

        for (int i = 0; i < owners.Count; i++)
        {
            bool returned = i % 2 == 0;
            Assert.Equal(returned, owners[i].IsFreed);
            if (returned)
            {
                Assert.Throws<ObjectDisposedException>(() => owners[i].GetSpan());
            }
            else
            {
                owners[i].GetSpan().Fill((byte)i);
                Assert.Equal(4096, owners[i].Memory.Length);
                ((IDisposable)owners[i]).Dispose();
                Assert.True(owners[i].IsFreed);
            }
        }
    }
}
