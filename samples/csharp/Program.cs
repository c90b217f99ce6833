// SPDX-License-Identifier: GPL-2.0-only
// A tour of the PageAlloc C# API in one file: bulk allocation, pages as Span<byte>,
// ownership transfer between lists and blocks, and the MemoryPool for System.IO.Pipelines.
// Runs under the JIT and as a Native AOT binary; exits 1 if any check fails.
using System;
using System.Buffers;
using PageAlloc;

int failures = 0;
void Check(bool condition, string what)
{
    Console.WriteLine($"  [{(condition ? "ok" : "FAILED")}] {what}");
    failures += condition ? 0 : 1;
}

using var allocator = new PageAllocator(PageAllocatorOptions.Create(nodes: 1, pagesPerNode: 16384));
allocator.DrainAll();
long freeAtStart = allocator.GetZoneInfo(0, ZoneType.Normal).Free;
Console.WriteLine($"allocator: {allocator.NodeCount} node, {freeAtStart} free pages of {allocator.PageSize} bytes, native {PageAllocator.NativeVersion}");

Console.WriteLine("bulk allocation");
using PageList list = allocator.AllocateBulk(32);
Check(list.Count == 32, $"AllocateBulk(32) returned {list.Count} pages in one native call");

Console.WriteLine("pages as Span<byte>");
for (int i = 0; i < list.Count; i++)
{
    list[i].Span.Fill((byte)(i + 1));
}

bool intact = true;
for (int i = 0; i < list.Count; i++)
{
    Span<byte> span = list[i].Span;
    intact &= span.Length == allocator.PageSize && span[0] == (byte)(i + 1) && span[^1] == (byte)(i + 1);
}

Check(intact, "each page holds what was written through its span");

Console.WriteLine("ownership transfer");
using (PageBlock single = list.Detach(0))
{
    Check(list.Count == 31 && single.Span[0] == 1, "Detach(0) moved the first page into a PageBlock that owns it");
}

using (PageList tail = list.Split(16))
{
    Check(list.Count == 16 && tail.Count == 15 && tail[0].Span[0] == 18, "Split(16) cut the list in two without copying");
    list.Append(tail);
    Check(list.Count == 31 && tail.Count == 0, "Append(tail) joined them again; tail is empty");
}

using (PageBlock block = allocator.AllocatePages(order: 2))
{
    block.Span.Clear();
    Check(block.PageCount == 4 && block.Span.Length == 4 * allocator.PageSize, "AllocatePages(order: 2) is 4 contiguous pages");
}

list.Clear();
Check(list.IsEmpty, "Clear() freed the list's pages in bulk");

Console.WriteLine("PageMemoryPool");
using (var pool = new PageMemoryPool(allocator))
{
    using IMemoryOwner<byte> buffer = pool.Rent(10_000);
    buffer.Memory.Span.Fill(0xAB);
    Check(buffer.Memory.Length == 4 * allocator.PageSize, $"Rent(10000) rounded up to an order-2 block ({buffer.Memory.Length} bytes)");
    Check(pool.MaxBufferSize == allocator.PageSize << PageAllocator.MaxOrder, $"MaxBufferSize is {pool.MaxBufferSize} bytes");
}

allocator.DrainAll();
allocator.Check();
long freeAtEnd = allocator.GetZoneInfo(0, ZoneType.Normal).Free;
Check(freeAtEnd == freeAtStart, $"every page came back ({freeAtEnd} free)");

Console.WriteLine(failures == 0 ? "sample: all checks passed" : $"sample: {failures} check(s) failed");
return failures == 0 ? 0 : 1;
