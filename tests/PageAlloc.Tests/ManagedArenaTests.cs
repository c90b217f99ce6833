// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>ManagedArena: the allocator's pages live in one pinned managed array, so every page
/// and every pool buffer is also an array segment, which is what socket APIs over byte[]
/// segments (Kestrel's SocketSender.SetBufferList) need.</summary>
public sealed class ManagedArenaTests : LeakCheckedTest
{
    private const int PageSize = 4096;

    [Fact]
    public void ManagedArena_pages_are_array_segments_that_alias_the_page_span()
    {
        using PageAllocator allocator = Create(configure: o => o.ManagedArena = true);
        Assert.True(allocator.HasManagedArena);
        using PageList pages = allocator.AllocateBulk(16);
        Assert.Equal(16, pages.Count);
        byte[]? array = null;
        foreach (Page page in pages)
        {
            Assert.True(allocator.TryGetArraySegment(page, out ArraySegment<byte> segment));
            array ??= segment.Array;
            Assert.Same(array, segment.Array); // one arena
            Assert.Equal(PageSize, segment.Count);
            page.Span.Fill(0x11);
            segment.AsSpan().Slice(100, 10).Fill(0x77);
            Assert.Equal(0x77, page.Span[105]);
            Assert.Equal(0x11, page.Span[99]);
            unsafe
            {
                fixed (byte* first = &segment.Array![segment.Offset])
                {
                    Assert.Equal(page.Address, (nint)first);
                    Assert.Equal(0, (long)(nint)first % PageSize);
                }
            }
        }

        allocator.Check();
    }

    [Fact]
    public void Native_memory_pages_are_not_array_segments()
    {
        using PageAllocator allocator = Create();
        Assert.False(allocator.HasManagedArena);
        using PageList pages = allocator.AllocateBulk(1);
        Assert.False(allocator.TryGetArraySegment(pages[0], out ArraySegment<byte> segment));
        Assert.Null(segment.Array);
        using var pool = new PageMemoryPool(allocator);
        using IMemoryOwner<byte> owner = pool.Rent(PageSize);
        Assert.False(MemoryMarshal.TryGetArray<byte>(owner.Memory, out _));
    }

    [Fact]
    public void A_page_of_another_allocator_is_not_a_segment_of_this_arena()
    {
        using PageAllocator first = Create(configure: o => o.ManagedArena = true);
        using PageAllocator second = Create(configure: o => o.ManagedArena = true);
        using PageList pages = second.AllocateBulk(1);
        Assert.False(first.TryGetArraySegment(pages[0], out _));
        Assert.False(first.TryGetArraySegment(default, out _));
    }

    [Fact]
    public void ManagedArena_bad_combinations_and_sizes_throw()
    {
        Assert.Throws<ArgumentException>(() => new PageAllocator(new PageAllocatorOptions { ManagedArena = true, MetadataOnly = true }));
        // 1 Mi pages (4 GiB) do not fit one array: a clear ArgumentException, before any allocation.
        var huge = PageAllocatorOptions.Create(1, 1L << 20, cpus: 1);
        huge.ManagedArena = true;
        ArgumentException error = Assert.Throws<ArgumentException>(() => new PageAllocator(huge));
        Assert.Contains("ManagedArena off", error.Message);
        byte[] memory = GC.AllocateUninitializedArray<byte>(PageSize * 2, pinned: true);
        unsafe
        {
            fixed (byte* p = memory)
            {
                var both = new PageAllocatorOptions { ManagedArena = true, Memory = (nint)p, MemorySize = PageSize };
                Assert.Throws<ArgumentException>(() => new PageAllocator(both));
            }
        }

        using PageAllocator disposed = Create(configure: o => o.ManagedArena = true);
        using PageList pages = disposed.AllocateBulk(1);
        Page page = pages[0];
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => disposed.TryGetArraySegment(page, out _));
    }

    [Fact]
    public void Pool_buffers_of_a_managed_arena_pass_TryGetArray_and_alias_the_memory()
    {
        using var pool = new PageMemoryPool();
        foreach (int size in new[] { -1, 1, PageSize, PageSize + 1, 5 * PageSize, pool.MaxBufferSize })
        {
            using IMemoryOwner<byte> owner = pool.Rent(size);
            Memory<byte> memory = owner.Memory;
            Assert.True(MemoryMarshal.TryGetArray<byte>(memory, out ArraySegment<byte> whole));
            Assert.Equal(memory.Length, whole.Count);
            Assert.True(MemoryMarshal.TryGetArray<byte>(memory.Slice(10, 20), out ArraySegment<byte> slice));
            Assert.Same(whole.Array, slice.Array);
            Assert.Equal(whole.Offset + 10, slice.Offset);
            memory.Span.Fill(0x3c);
            whole.AsSpan(memory.Length - 1, 1)[0] = 0x99;
            Assert.Equal(0x99, memory.Span[memory.Length - 1]);
            Assert.Equal(0x3c, whole[0]);
        }
    }

    /// <summary>What Kestrel's socket transport does with a response larger than one block: a
    /// multi-segment buffer from a real Pipe over the pool, each segment turned into a byte[]
    /// segment with TryGetArray, sent in one Socket.SendAsync(IList&lt;ArraySegment&lt;byte&gt;&gt;)
    /// over loopback and checked on the other side byte for byte.</summary>
    [Fact]
    public async Task A_multi_segment_buffer_goes_through_a_real_Pipe_and_a_real_Socket()
    {
        const int Total = 200_000;
        using var pool = new PageMemoryPool();
        var pipe = new Pipe(new PipeOptions(pool: pool, minimumSegmentSize: PageSize, pauseWriterThreshold: 0, useSynchronizationContext: false));
        for (int written = 0; written < Total;)
        {
            Memory<byte> memory = pipe.Writer.GetMemory(PageSize);
            int length = Math.Min(Math.Min(memory.Length, 3000), Total - written);
            for (int i = 0; i < length; i++)
            {
                memory.Span[i] = Pattern(written + i);
            }

            pipe.Writer.Advance(length);
            written += length;
        }

        await pipe.Writer.FlushAsync();
        await pipe.Writer.CompleteAsync();
        ReadResult read = await pipe.Reader.ReadAsync();
        ReadOnlySequence<byte> buffer = read.Buffer;
        Assert.Equal(Total, buffer.Length);
        Assert.False(buffer.IsSingleSegment);

        var segments = new List<ArraySegment<byte>>();
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            Assert.True(MemoryMarshal.TryGetArray(segment, out ArraySegment<byte> array), "Buffer backed by array was expected");
            segments.Add(array);
        }

        Assert.True(segments.Count > 1);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using Socket server = await listener.AcceptAsync();

        Task<byte[]> receive = ReceiveAllAsync(server, Total);
        int sent = 0;
        while (sent < Total)
        {
            int n = await client.SendAsync(segments, SocketFlags.None);
            sent += n;
            if (sent < Total)
            {
                segments = Remaining(segments, n);
            }
        }

        client.Shutdown(SocketShutdown.Send);
        byte[] received = await receive;
        Assert.Equal(Total, received.Length);
        for (int i = 0; i < Total; i++)
        {
            if (received[i] != Pattern(i))
            {
                Assert.Fail($"byte {i} is {received[i]}, expected {Pattern(i)}");
            }
        }

        pipe.Reader.AdvanceTo(buffer.End);
        await pipe.Reader.CompleteAsync();
        Assert.Equal(0, pool.RentedBuffers);
    }

    private static List<ArraySegment<byte>> Remaining(List<ArraySegment<byte>> segments, int sent)
    {
        var rest = new List<ArraySegment<byte>>();
        foreach (ArraySegment<byte> segment in segments)
        {
            if (sent >= segment.Count)
            {
                sent -= segment.Count;
                continue;
            }

            rest.Add(segment.Slice(sent));
            sent = 0;
        }

        return rest;
    }

    private static async Task<byte[]> ReceiveAllAsync(Socket socket, int expected)
    {
        byte[] data = new byte[expected + 1];
        int received = 0;
        while (true)
        {
            int n = await socket.ReceiveAsync(data.AsMemory(received), SocketFlags.None);
            if (n == 0)
            {
                return data.AsSpan(0, received).ToArray();
            }

            received += n;
        }
    }

    private static byte Pattern(int offset) => (byte)(offset * 13 + (offset >> 9));
}
