// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>Who frees what, and when the native allocator goes.</summary>
public sealed class OwnershipTests : LeakCheckedTest
{
    [Fact]
    public void Double_dispose_is_harmless()
    {
        // A native double free is logged (BUG: Bad page state) and ignored, not thrown: the
        // second Dispose of each owner must reach neither the log nor the pgfree counter.
        PageAllocator allocator = Create();
        var logged = new List<string>();
        allocator.Log += (_, e) => logged.Add(e.Message);
        PageList list = allocator.AllocateBulk(4);
        var array = new PageArray(4);
        allocator.FillBulk(array);
        PageBlock block = allocator.AllocatePages(2);
        Assert.Equal(4, list.Count);

        DisposeTwice(allocator, list, 4);
        DisposeTwice(allocator, array, 4);
        DisposeTwice(allocator, block, 4);
        allocator.Check();
        Assert.Empty(logged);

        allocator.Dispose();
        allocator.Dispose();
        Assert.Empty(logged);
    }

    /// <summary>The first Dispose frees <paramref name="pages"/> pages; the second frees none.</summary>
    private static void DisposeTwice(PageAllocator allocator, IDisposable owner, long pages)
    {
        long freed = allocator.GetVmEvent(VmEvent.PgFree);
        owner.Dispose();
        long afterFirst = allocator.GetVmEvent(VmEvent.PgFree);
        Assert.Equal(freed + pages, afterFirst);
        owner.Dispose();
        Assert.Equal(afterFirst, allocator.GetVmEvent(VmEvent.PgFree));
    }

    [Fact]
    public void Allocator_disposed_while_lists_are_alive_is_destroyed_by_the_last_owner()
    {
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        PageAllocator allocator = Create();
        PageList list = allocator.AllocateBulk(16);
        PageBlock block = allocator.AllocatePages(3);
        var array = new PageArray(8);
        allocator.FillBulk(array);

        allocator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => allocator.AllocateBulk(1));
        Assert.Equal(destroyed, OwnerDiagnostics.DestroyedAllocators);

        // The owners still work: their pages are real memory.
        Assert.Equal(16, list.Count);
        list[15].Span.Fill(1);
        block.Span.Fill(2);
        array[7]!.Value.Span.Fill(3);
        using (PageList tail = list.Split(8))
        {
            Assert.Equal(8, tail.Count);
        }

        list.Dispose();
        block.Dispose();
        Assert.Equal(destroyed, OwnerDiagnostics.DestroyedAllocators);
        array.Dispose();
        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
    }

    [Fact]
    public void Allocator_without_owners_is_destroyed_by_Dispose()
    {
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        PageAllocator allocator = Create();
        allocator.AllocateBulk(8).Dispose();
        allocator.Dispose();
        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
    }

    [Fact]
    public void A_finalized_list_frees_its_pages_and_is_counted_by_the_leak_gate()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        long finalized = OwnerDiagnostics.FinalizedOwners;

        AllocateAndDrop(allocator, 64);
        CollectGarbage();

        Assert.Equal(finalized + 1, OwnerDiagnostics.FinalizedOwners);
        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
        AcceptFinalizations();
    }

    [Fact]
    public void Finalizers_release_owners_and_then_destroy_the_disposed_allocator()
    {
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        long finalized = OwnerDiagnostics.FinalizedOwners;
        PageAllocator allocator = Create();
        AllocateAndDrop(allocator, 32);
        DropBlockAndArray(allocator);
        allocator.Dispose();
        Assert.Equal(destroyed, OwnerDiagnostics.DestroyedAllocators);

        CollectGarbage();

        Assert.Equal(finalized + 3, OwnerDiagnostics.FinalizedOwners);
        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
        AcceptFinalizations();
    }

    [Fact]
    public void An_undisposed_allocator_and_its_lists_are_all_released_by_finalizers()
    {
        long destroyed = OwnerDiagnostics.DestroyedAllocators;
        long allocators = OwnerDiagnostics.FinalizedAllocators;
        CreateAndDropEverything();

        CollectGarbage();

        Assert.Equal(destroyed + 1, OwnerDiagnostics.DestroyedAllocators);
        Assert.Equal(allocators + 1, OwnerDiagnostics.FinalizedAllocators);
        AcceptFinalizations();
    }

    [Fact]
    public void Use_after_dispose_throws_ObjectDisposedException()
    {
        PageAllocator allocator = Create();
        PageList list = allocator.AllocateBulk(4);
        var array = new PageArray(4);
        allocator.FillBulk(array);
        PageBlock block = allocator.AllocatePages(0);
        list.Dispose();
        array.Dispose();
        block.Dispose();

        Assert.Throws<ObjectDisposedException>(() => list.Count);
        Assert.Throws<ObjectDisposedException>(() => list[0]);
        Assert.Throws<ObjectDisposedException>(() => list.Detach(0));
        Assert.Throws<ObjectDisposedException>(() => list.Split(0));
        Assert.Throws<ObjectDisposedException>(() => list.GetEnumerator());
        Assert.Throws<ObjectDisposedException>(() => array.Length);
        Assert.Throws<ObjectDisposedException>(() => array[0]);
        Assert.Throws<ObjectDisposedException>(() => allocator.FillBulk(array));
        Assert.Throws<ObjectDisposedException>(() => block.Order);
        Assert.Throws<ObjectDisposedException>(() => block.Span.Length);

        using PageList live = allocator.AllocateBulk(2);
        Assert.Throws<ObjectDisposedException>(() => live.Append(list));
        Assert.Throws<ObjectDisposedException>(() => allocator.AllocateBulk(list, 2));

        allocator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => allocator.AllocateBulk(1));
        Assert.Throws<ObjectDisposedException>(() => allocator.AllocatePages(0));
        Assert.Throws<ObjectDisposedException>(() => allocator.GetZoneInfo(0, ZoneType.Normal));
        Assert.Throws<ObjectDisposedException>(() => allocator.BuddyInfo());
        Assert.Throws<ObjectDisposedException>(() => allocator.Check());
        Assert.Throws<ObjectDisposedException>(() => allocator.DrainAll());
        Assert.Throws<ObjectDisposedException>(() => new PageList(allocator));
    }

    [Fact]
    public void Detached_and_split_pages_are_owned_once()
    {
        using PageAllocator allocator = Create();
        long free = FreePages(allocator);
        using (PageList list = allocator.AllocateBulk(20))
        {
            using PageBlock one = list.Detach(0);
            using PageList tail = list.Split(10);
            using var other = allocator.AllocateBulk(5);
            list.Append(other);
            Assert.Equal(15, list.Count);
            Assert.Empty(other);
        }

        Assert.Equal(free, FreePages(allocator));
        allocator.Check();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AllocateAndDrop(PageAllocator allocator, int count)
    {
        PageList list = allocator.AllocateBulk(count);
        Assert.Equal(count, list.Count);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropBlockAndArray(PageAllocator allocator)
    {
        PageBlock block = allocator.AllocatePages(1);
        var array = new PageArray(3);
        allocator.FillBulk(array);
        Assert.Equal(1, block.Order);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CreateAndDropEverything()
    {
        PageAllocator allocator = Create();
        AllocateAndDrop(allocator, 8);
        DropBlockAndArray(allocator);
    }
}
