// SPDX-License-Identifier: GPL-2.0-only
// A first program against the PageAlloc package: what a new user writes in five minutes.
// Exits 0 only when every check holds; prints what failed otherwise.
using System;
using System.Buffers;
using PageAlloc;

int failures = 0;
void Check(bool condition, string what)
{
    if (!condition)
    {
        Console.Error.WriteLine($"FAILED: {what}");
        failures++;
    }
}

using (var allocator = new PageAllocator())
{
    allocator.DrainAll();
    long free = allocator.GetZoneInfo(0, ZoneType.Normal).Free;

    using (PageList pages = allocator.AllocateBulk(64))
    {
        Check(pages.Count == 64, $"64 pages from the bulk allocator (got {pages.Count})");
        int index = 0;
        foreach (Page page in pages)
        {
            page.Span.Fill((byte)index++);
        }

        index = 0;
        foreach (Page page in pages)
        {
            Span<byte> span = page.Span;
            Check(span.Length == allocator.PageSize && span[0] == (byte)index && span[^1] == (byte)index, $"page {index} holds its pattern");
            index++;
        }
    }

    using (var pool = new PageMemoryPool(allocator))
    using (IMemoryOwner<byte> buffer = pool.Rent(10000))
    {
        Check(buffer.Memory.Length == 4 * allocator.PageSize, $"Rent(10000) is 4 pages (got {buffer.Memory.Length} bytes)");
        buffer.Memory.Span.Fill(0x5a);
    }

    allocator.DrainAll();
    allocator.Check();
    Check(allocator.GetZoneInfo(0, ZoneType.Normal).Free == free, "every page came back");
    Check(allocator.BuddyInfo().Contains("Normal", StringComparison.Ordinal), "buddyinfo lists the Normal zone");
    Console.WriteLine($"native {PageAllocator.NativeVersion}, page size {allocator.PageSize}");
}

Console.WriteLine(failures == 0 ? "package consumer: OK" : $"package consumer: {failures} check(s) failed");
return failures == 0 ? 0 : 1;
