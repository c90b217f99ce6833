// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>PageList: indexing, enumeration, Detach, Split, Append, Clear.</summary>
public sealed class PageListTests : LeakCheckedTest
{
    [Fact]
    public void Indexing_and_enumeration_agree()
    {
        using PageAllocator allocator = Create();
        using PageList list = allocator.AllocateBulk(50);
        long[] enumerated = list.Select(p => p.Pfn).ToArray();
        long[] indexed = Enumerable.Range(0, list.Count).Select(i => list[i].Pfn).ToArray();
        Assert.Equal(enumerated, indexed);
        Assert.Equal(50, enumerated.Distinct().Count());
    }

    [Fact]
    public unsafe void Enumeration_follows_the_native_list_after_reordering()
    {
        using PageAllocator allocator = Create();
        using PageList list = allocator.AllocateBulk(40);
        using var other = new PageList(allocator);
        for (int i = 0; i < 5; i++)
        {
            using PageList tail = list.Split(list.Count - 3);
            other.Append(tail);
            list.Detach(i * 3).Dispose();
        }

        foreach (PageList l in new[] { list, other })
        {
            // The exported walk, as the enumerator did before it read the links inline.
            var head = (PageAlloc.Native.pa_list_head*)l.DangerousGetHandle();
            var native = new List<long>();
            for (PageAlloc.Native.pa_page* p = PageAlloc.Native.Methods.pa_list_first(head); p != null;
                 p = PageAlloc.Native.Methods.pa_list_next(head, p))
            {
                native.Add((long)PageAlloc.Native.Methods.pa_page_to_pfn(allocator.Pointer, p));
            }

            Assert.Equal(native, l.Select(p => p.Pfn));
            Assert.Equal(native, Enumerable.Range(0, l.Count).Select(i => l[i].Pfn));
        }

        Assert.Equal(20, list.Count);
        Assert.Equal(15, other.Count);
        allocator.Check();
    }

    [Fact]
    public void Detach_moves_one_page_into_a_block()
    {
        using PageAllocator allocator = Create();
        using PageList list = allocator.AllocateBulk(10);
        long[] pfns = list.Select(p => p.Pfn).ToArray();
        using PageBlock block = list.Detach(4);
        Assert.Equal(pfns[4], block.Pfn);
        Assert.Equal(9, list.Count);
        Assert.Equal(pfns.Where((_, i) => i != 4), list.Select(p => p.Pfn));
        Assert.Equal(0, block.Node);
        Assert.Equal(ZoneType.Normal, block.Zone);
        allocator.Check();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(19)]
    [InlineData(20)]
    public void Split_keeps_the_head_and_moves_the_tail_in_order(int index)
    {
        using PageAllocator allocator = Create();
        using PageList list = allocator.AllocateBulk(20);
        long[] pfns = list.Select(p => p.Pfn).ToArray();
        using PageList tail = list.Split(index);
        Assert.Equal(pfns.Take(index), list.Select(p => p.Pfn));
        Assert.Equal(pfns.Skip(index), tail.Select(p => p.Pfn));
        Assert.Equal(index, list.Count);
        Assert.Equal(20 - index, tail.Count);
        allocator.Check();
    }

    [Fact]
    public void Append_moves_every_page_without_copying()
    {
        using PageAllocator allocator = Create();
        using PageList first = allocator.AllocateBulk(5);
        using PageList second = allocator.AllocateBulk(7);
        first[0].Span.Fill(0x42);
        long[] expected = first.Concat(second).Select(p => p.Pfn).ToArray();
        first.Append(second);
        Assert.Equal(expected, first.Select(p => p.Pfn));
        Assert.Empty(second);
        Assert.Equal(0x42, first[0].Span[100]);
        allocator.AllocateBulk(second, 3);
        Assert.Equal(3, second.Count);
        allocator.Check();
    }

    [Fact]
    public void Enumeration_detects_a_change()
    {
        using PageAllocator allocator = Create();
        using PageList list = allocator.AllocateBulk(4);
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (Page page in list)
            {
                list.Detach(0).Dispose();
            }
        });
    }

    [Fact]
    public void Enumeration_detects_a_dispose()
    {
        using PageAllocator allocator = Create();
        PageList list = allocator.AllocateBulk(4);
        PageList.Enumerator pages = list.GetEnumerator();
        Assert.True(pages.MoveNext());
        list.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pages.MoveNext());
    }

    [Fact]
    public void Enumeration_walks_each_page_once_and_Reset_starts_over()
    {
        using PageAllocator allocator = Create();
        using PageList list = allocator.AllocateBulk(5);
        long[] indexed = Enumerable.Range(0, list.Count).Select(i => list[i].Pfn).ToArray();
        PageList.Enumerator pages = list.GetEnumerator();
        Assert.True(pages.Current.IsDefault);
        var walked = new List<long>();
        while (pages.MoveNext())
        {
            walked.Add(pages.Current.Pfn);
        }

        Assert.Equal(indexed, walked);
        Assert.False(pages.MoveNext());
        Assert.True(pages.Current.IsDefault);

        pages.Reset();
        Assert.True(pages.Current.IsDefault);
        Assert.True(pages.MoveNext());
        Assert.Equal(indexed[0], pages.Current.Pfn);
        pages.Reset();
        walked.Clear();
        while (pages.MoveNext())
        {
            walked.Add(pages.Current.Pfn);
        }

        Assert.Equal(indexed, walked);

        // As List<T>'s: Reset after a change throws.
        list.Detach(0).Dispose();
        Assert.Throws<InvalidOperationException>(() => pages.Reset());

        using var empty = new PageList(allocator);
        PageList.Enumerator none = empty.GetEnumerator();
        Assert.False(none.MoveNext());
        none.Reset();
        Assert.False(none.MoveNext());
        Assert.False(none.MoveNext());
    }

    [Fact]
    public void Pages_are_distinct_writable_memory_of_page_size()
    {
        using PageAllocator allocator = Create();
        using PageList list = allocator.AllocateBulk(16);
        int i = 0;
        foreach (Page page in list)
        {
            Assert.Equal(allocator.PageSize, page.Span.Length);
            Assert.Equal(0, page.Address % allocator.PageSize);
            page.Span.Fill((byte)i++);
        }

        i = 0;
        foreach (Page page in list)
        {
            Assert.Equal(-1, page.Span.IndexOfAnyExcept((byte)i++));
        }
    }
}
