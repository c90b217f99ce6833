// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using PageAlloc;
using PageAlloc.Native;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>Memory policies through the C# API (rules B18-B24 of docs/BULK_RULES.md): the node of
/// every page is pinned.</summary>
public sealed class MemoryPolicyTests : LeakCheckedTest
{
    [Fact]
    public void B24_modes_have_the_kernels_values()
    {
        Assert.Equal(0, (int)MemoryPolicy.Default);
        Assert.Equal(1, (int)MemoryPolicy.Preferred);
        Assert.Equal(2, (int)MemoryPolicy.Bind);
        Assert.Equal(3, (int)MemoryPolicy.Interleave);
        Assert.Equal(4, (int)MemoryPolicy.Local);
        Assert.Equal(5, (int)MemoryPolicy.PreferredMany);
        Assert.Equal(6, (int)MemoryPolicy.WeightedInterleave);
        Assert.Equal((int)pa_vm_event_item.PA_NUMA_INTERLEAVE_HIT, (int)VmEvent.NumaInterleaveHit);
    }

    [Fact]
    public void B20_set_and_get_round_trip_dropping_absent_nodes()
    {
        using PageAllocator allocator = Create(nodes: 2);
        Assert.Equal((MemoryPolicy.Default, NodeMask.Empty), allocator.GetMemoryPolicy());
        allocator.SetMemoryPolicy(MemoryPolicy.Bind, NodeMask.Of(1, 5));
        Assert.Equal((MemoryPolicy.Bind, NodeMask.Of(1)), allocator.GetMemoryPolicy());
        allocator.SetMemoryPolicy(MemoryPolicy.Preferred, NodeMask.Of(0, 1));
        Assert.Equal((MemoryPolicy.Preferred, NodeMask.Of(0)), allocator.GetMemoryPolicy());
        allocator.SetMemoryPolicy(MemoryPolicy.Preferred);
        Assert.Equal((MemoryPolicy.Local, NodeMask.Empty), allocator.GetMemoryPolicy());
        allocator.SetMemoryPolicy(MemoryPolicy.WeightedInterleave, NodeMask.All);
        Assert.Equal((MemoryPolicy.WeightedInterleave, NodeMask.Of(0, 1)), allocator.GetMemoryPolicy());
        allocator.SetMemoryPolicy(MemoryPolicy.Default);
        Assert.Equal((MemoryPolicy.Default, NodeMask.Empty), allocator.GetMemoryPolicy());
    }

    [Fact]
    public void B20_bad_arguments_throw_and_leave_the_policy()
    {
        using PageAllocator allocator = Create(nodes: 2);
        allocator.SetMemoryPolicy(MemoryPolicy.Bind, NodeMask.Of(1));
        Assert.Throws<ArgumentOutOfRangeException>("mode", () => allocator.SetMemoryPolicy((MemoryPolicy)7, NodeMask.Of(0)));
        Assert.Throws<ArgumentOutOfRangeException>("mode", () => allocator.SetMemoryPolicy((MemoryPolicy)(-1)));
        Assert.Throws<ArgumentException>("nodes", () => allocator.SetMemoryPolicy(MemoryPolicy.Default, NodeMask.Of(0)));
        Assert.Throws<ArgumentException>("nodes", () => allocator.SetMemoryPolicy(MemoryPolicy.Local, NodeMask.Of(0)));
        foreach (MemoryPolicy mode in new[] { MemoryPolicy.Bind, MemoryPolicy.Interleave, MemoryPolicy.PreferredMany, MemoryPolicy.WeightedInterleave })
        {
            Assert.Throws<ArgumentException>("nodes", () => allocator.SetMemoryPolicy(mode));
            Assert.Throws<ArgumentException>("nodes", () => allocator.SetMemoryPolicy(mode, NodeMask.Empty));
            Assert.Throws<ArgumentException>("nodes", () => allocator.SetMemoryPolicy(mode, NodeMask.Of(5, 63)));
        }

        Assert.Throws<ArgumentException>("nodes", () => allocator.SetMemoryPolicy(MemoryPolicy.Preferred, NodeMask.Of(2)));
        Assert.Equal((MemoryPolicy.Bind, NodeMask.Of(1)), allocator.GetMemoryPolicy());

        Assert.Throws<ArgumentOutOfRangeException>("weight", () => allocator.SetInterleaveWeight(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>("weight", () => allocator.SetInterleaveWeight(0, 256));
        Assert.Throws<ArgumentOutOfRangeException>("node", () => allocator.SetInterleaveWeight(2, 1));
        Assert.Throws<ArgumentOutOfRangeException>("node", () => allocator.SetInterleaveWeight(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>("node", () => allocator.GetInterleaveWeight(2));
        Assert.Equal(1, allocator.GetInterleaveWeight(0));
        allocator.SetInterleaveWeight(0, 255);
        Assert.Equal(255, allocator.GetInterleaveWeight(0));

        allocator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => allocator.SetMemoryPolicy(MemoryPolicy.Default));
        Assert.Throws<ObjectDisposedException>(() => allocator.GetMemoryPolicy());
        Assert.Throws<ObjectDisposedException>(() => allocator.SetInterleaveWeight(0, 2));
    }

    [Fact]
    public void B21_AllocatePages_follows_the_policy_and_counts_interleave_hits()
    {
        using PageAllocator allocator = Create(nodes: 2);
        allocator.SetMemoryPolicy(MemoryPolicy.Interleave, NodeMask.Of(0, 1));
        Assert.Equal("0101", SingleNodes(allocator, 4));
        Assert.Equal(4L, allocator.GetVmEvent(VmEvent.NumaInterleaveHit));
        Assert.Contains("numa_interleave 4\n", allocator.VmStat(), StringComparison.Ordinal);

        // A node named by the caller ignores the policy, and does not advance it.
        using (PageBlock block = allocator.AllocatePages(0, Gfp.Kernel, node: 1))
        {
            Assert.Equal(1, block.Node);
        }

        Assert.Equal("01", SingleNodes(allocator, 2));
        allocator.SetMemoryPolicy(MemoryPolicy.Bind, NodeMask.Of(1));
        Assert.Equal("11", SingleNodes(allocator, 2));
        allocator.SetMemoryPolicy(MemoryPolicy.Default);
        Assert.Equal("00", SingleNodes(allocator, 2));
        Assert.Equal(6L, allocator.GetVmEvent(VmEvent.NumaInterleaveHit));
        allocator.Check();
    }

    [Fact]
    public void B22_FillBulk_interleave_splits_evenly_on_2_and_4_nodes()
    {
        using (PageAllocator two = Create(nodes: 2))
        {
            two.SetMemoryPolicy(MemoryPolicy.Interleave, NodeMask.Of(0, 1));
            Assert.Equal("00011", FillNodes(two, 5));
            Assert.Equal("00011", FillNodes(two, 5));   // every node took its turn: same start
            Assert.Equal("0", SingleNodes(two, 1));
            Assert.Equal("11100", FillNodes(two, 5));
        }

        using PageAllocator four = Create(nodes: 4);
        four.SetMemoryPolicy(MemoryPolicy.Interleave, NodeMask.Of(0, 1, 2, 3));
        Assert.Equal("0001112233", FillNodes(four, 10));
        four.SetMemoryPolicy(MemoryPolicy.Interleave, NodeMask.Of(1, 3));
        Assert.Equal("1111333", FillNodes(four, 7));
        four.Check();
    }

    [Fact]
    public void B22_weighted_interleave_resumes_across_calls()
    {
        using PageAllocator allocator = Create(nodes: 2);
        allocator.SetInterleaveWeight(0, 3);
        allocator.SetInterleaveWeight(1, 2);
        allocator.SetMemoryPolicy(MemoryPolicy.WeightedInterleave, NodeMask.Of(0, 1));
        // The kernel's arithmetic (worked out in tests/c/test_mempolicy.c): 7 pages are one round
        // of 3 + 2 and a delta of 2 on node 0, resuming there with weight 1 left.
        Assert.Equal("0000011", FillNodes(allocator, 7));
        Assert.Equal("0110", FillNodes(allocator, 4));
        Assert.Equal("00", FillNodes(allocator, 2));
        Assert.Equal("110", FillNodes(allocator, 3));
        Assert.Equal("001", SingleNodes(allocator, 3));
        allocator.Check();
    }

    [Fact]
    public void B22_preferred_many_and_list_form()
    {
        using PageAllocator allocator = Create(nodes: 4);
        allocator.SetMemoryPolicy(MemoryPolicy.PreferredMany, NodeMask.Of(2, 3));
        Assert.Equal("22222222", FillNodes(allocator, 8));
        allocator.SetMemoryPolicy(MemoryPolicy.Interleave, NodeMask.Of(0, 1));
        using PageList list = allocator.AllocateBulk(5, Gfp.Kernel, useMemoryPolicy: true);
        Assert.Equal("00011", string.Concat(list.Select(p => p.Node)));
        Assert.Equal(4, allocator.AllocateBulk(list, 4, Gfp.Kernel, useMemoryPolicy: true));
        Assert.Equal("000110011", string.Concat(list.Select(p => p.Node)));
        // false is the plain form on this thread's node.
        using PageList local = allocator.AllocateBulk(3, Gfp.Kernel, useMemoryPolicy: false);
        Assert.Equal("000", string.Concat(local.Select(p => p.Node)));
        allocator.Check();
    }

    [Fact]
    public void B23_a_populated_slot_counts_toward_its_windows_node()
    {
        using PageAllocator allocator = Create(nodes: 2);
        using var array = new PageArray(6);
        Assert.Equal(6, allocator.FillBulk(array, Gfp.Kernel, preferredNode: 1));
        foreach (int slot in new[] { 0, 2, 3, 5 })
        {
            array.Detach(slot).Dispose();
        }

        allocator.SetMemoryPolicy(MemoryPolicy.Interleave, NodeMask.Of(0, 1));
        Assert.Equal(6, allocator.FillBulk(array, Gfp.Kernel, useMemoryPolicy: true));
        Assert.Equal("010111", Nodes(array));
        allocator.Check();
    }

    [Fact]
    public void B18_FillBulk_on_a_node_and_B19_bad_gfp_counts_populated_slots()
    {
        using PageAllocator allocator = Create(nodes: 2);
        using var array = new PageArray(8);
        Assert.Equal(8, allocator.FillBulk(array, Gfp.Kernel, preferredNode: 1));
        Assert.Equal("11111111", Nodes(array));
        array.Clear();
        Assert.Equal(8, allocator.FillBulk(array, Gfp.Kernel, useMemoryPolicy: true, loop: true));
        Assert.Equal("00000000", Nodes(array));

        // B19 through the raw layer: an array of 10 holding 2 pages, a bad gfp.
        unsafe
        {
            pa_page** slots = stackalloc pa_page*[10];
            for (int i = 0; i < 10; i++)
            {
                slots[i] = null;
            }

            slots[3] = Methods.pa_alloc_pages(allocator.Pointer, (uint)Gfp.Kernel, 0);
            slots[7] = Methods.pa_alloc_pages(allocator.Pointer, (uint)Gfp.Kernel, 0);
            Assert.Equal(2u, (uint)Methods.pa_alloc_pages_bulk_array(allocator.Pointer, 0xffffffffu, 10, slots));
            Assert.Equal(2u, (uint)Methods.pa_alloc_pages_bulk_node(allocator.Pointer, 0xffffffffu, 0, 10, slots));
            Assert.Equal(2u, (uint)Methods.pa_alloc_pages_bulk_mempolicy(allocator.Pointer, 0xffffffffu, 10, slots));
            Methods.pa_release_pages(allocator.Pointer, slots, 10);
        }

        Assert.Throws<ArgumentException>("gfp", () => allocator.FillBulk(array, (Gfp)0xffffffffu, useMemoryPolicy: true));
        allocator.Check();
    }

    [Fact]
    public void B24_the_policy_and_its_interleave_position_are_per_thread()
    {
        using PageAllocator allocator = Create(nodes: 2);
        allocator.SetMemoryPolicy(MemoryPolicy.Interleave, NodeMask.Of(0, 1));
        Assert.Equal("0", SingleNodes(allocator, 1));
        var errors = new List<Exception>();
        string? other = null;
        Thread[] workers = StartWorkers(1, errors, _ =>
        {
            allocator.BindCpu(0);
            Assert.Equal((MemoryPolicy.Default, NodeMask.Empty), allocator.GetMemoryPolicy());
            Assert.Equal("00", SingleNodes(allocator, 2));
            allocator.SetMemoryPolicy(MemoryPolicy.Interleave, NodeMask.Of(0, 1));
            other = SingleNodes(allocator, 3);
        });
        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        Assert.Empty(errors);
        Assert.Equal("010", other);
        // This thread's position did not move: node 1 is next.
        Assert.Equal("10", SingleNodes(allocator, 2));
        allocator.Check();
    }

    private static string SingleNodes(PageAllocator allocator, int count)
    {
        var nodes = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            using PageBlock block = allocator.AllocatePages(0);
            nodes.Append(block.Node);
        }

        return nodes.ToString();
    }

    private static string FillNodes(PageAllocator allocator, int count)
    {
        using var array = new PageArray(count);
        Assert.Equal(count, allocator.FillBulk(array, Gfp.Kernel, useMemoryPolicy: true));
        return Nodes(array);
    }

    private static string Nodes(PageArray array)
    {
        var nodes = new StringBuilder();
        for (int i = 0; i < array.Length; i++)
        {
            nodes.Append(array[i] is { } page ? page.Node.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-");
        }

        return nodes.ToString();
    }
}
