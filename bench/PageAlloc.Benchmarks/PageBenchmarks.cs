// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using PageAlloc.Native;

namespace PageAlloc.Benchmarks;

/// <summary>
/// Per 4 KiB page: allocate, write one byte, free; 64 pages per invocation, reported per page
/// (OperationsPerInvoke = 64), as the C harness's batch-64 candidates do.
/// </summary>
[MemoryDiagnoser]
public unsafe class PageBenchmarks
{
    public const int Batch = 64;

    // 1 GiB, one pcp slot: no watermark is reached and every call uses the same pcp list, as the
    // C harness's single-thread runs (pinned, bound) do.
    private const long ArenaPages = 1L << 18;

    private PageAllocator _allocator = null!;
    private PageArray _array = null!;
    private PageList _list = null!;
    private readonly PageBlock[] _blocks = new PageBlock[Batch];
    private readonly byte[][] _rented = new byte[Batch][];
    private readonly byte[][] _fresh = new byte[Batch][];
    private readonly void*[] _aligned = new void*[Batch];
    private pa_allocator* _raw;
    private pa_page** _slots;
    private pa_list_head* _head;
    private PageMemoryPool _pool = null!;
    private KestrelPool _kestrel = null!;
    private CrossThreadDisposer _disposer = null!;
    private PagePool _pagePool = null!;
    private PageArray _poolArray = null!;
    private readonly IMemoryOwner<byte>[] _owners = new IMemoryOwner<byte>[Batch];

    [GlobalSetup]
    public void Setup()
    {
        _allocator = new PageAllocator(new PageAllocatorOptions { CpuCount = 1 }
            .SetZonePages(0, ZoneType.Normal, ArenaPages));
        _array = new PageArray(Batch);
        _list = new PageList(_allocator);

        pa_config config;
        Methods.pa_config_init(&config);
        config.node_zone_pages[(int)pa_zone_type.PA_ZONE_NORMAL] = (ulong)ArenaPages;
        config.nr_cpus = 1;
        pa_allocator* raw = null;
        if (Methods.pa_create(&config, &raw) != 0)
        {
            throw new InvalidOperationException("pa_create failed for the direct-call benchmark.");
        }

        _raw = raw;
        _slots = (pa_page**)NativeMemory.AllocZeroed(Batch, (nuint)sizeof(pa_page*));
        _head = (pa_list_head*)NativeMemory.Alloc((nuint)sizeof(pa_list_head));
        // The pool of PageMemoryPool(): its own allocator with a managed arena (array-backed buffers).
        _pool = new PageMemoryPool();
        _kestrel = new KestrelPool();
        _disposer = new CrossThreadDisposer();
        // An order-0 page pool whose context is the benchmark thread (setup and workload run on
        // one thread in process): ReturnBulk's pages go straight back into its cache.
        _pagePool = new PagePool(_allocator);
        _pagePool.SetOwnerThread();
        _poolArray = new PageArray(Batch);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _array.Dispose();
        _list.Dispose();
        _pool.Dispose();
        _disposer.Dispose();
        _kestrel.Dispose();
        _poolArray.Dispose();
        _pagePool.Dispose();
        _allocator.Dispose();
        NativeMemory.Free(_slots);
        NativeMemory.Free(_head);
        Methods.pa_destroy(_raw);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "PageAllocator.AllocateBulk(64) + Dispose")]
    public void AllocateBulk()
    {
        using PageList list = _allocator.AllocateBulk(Batch);
        foreach (Page page in list)
        {
            Touch(page.Span);
        }
    }

    // The same pages through one long-lived list: no owner object per call, so the difference
    // from AllocateBulk is what a new SafeHandle per call costs.
    [Benchmark(OperationsPerInvoke = Batch, Description = "PageAllocator.AllocateBulk(reused PageList, 64) + Clear")]
    public void ReuseList()
    {
        PageList list = _list;
        _allocator.AllocateBulk(list, Batch);
        foreach (Page page in list)
        {
            Touch(page.Span);
        }

        list.Clear();
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "PageAllocator.FillBulk(PageArray 64) + Clear")]
    public void FillBulk()
    {
        _allocator.FillBulk(_array);
        for (int i = 0; i < Batch; i++)
        {
            Touch(_array[i]!.Value.Span);
        }

        _array.Clear();
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "PagePool.RentBulk(PageArray 64) + ReturnBulk")]
    public void PagePoolBulk()
    {
        PageArray array = _poolArray;
        _pagePool.RentBulk(array);
        for (int i = 0; i < Batch; i++)
        {
            Touch(array[i]!.Value.Span);
        }

        _pagePool.ReturnBulk(array);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "PageAllocator.AllocatePages(0) + Dispose x64")]
    public void AllocatePagesSingle()
    {
        for (int i = 0; i < Batch; i++)
        {
            _blocks[i] = _allocator.AllocatePages(0);
            Touch(_blocks[i].Span);
        }

        for (int i = 0; i < Batch; i++)
        {
            _blocks[i].Dispose();
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "PageMemoryPool.Rent(4096) + Dispose x64")]
    public void PoolRent() => RentBatch(_pool);

    [Benchmark(OperationsPerInvoke = Batch, Description = "PageMemoryPool.Rent(4096) + Dispose, one at a time")]
    public void PoolRentSingle() => RentSingle(_pool);

    [Benchmark(OperationsPerInvoke = Batch, Description = "Kestrel PinnedBlockMemoryPool.Rent(4096) + Dispose x64")]
    public void KestrelRent() => RentBatch(_kestrel.Pool);

    [Benchmark(OperationsPerInvoke = Batch, Description = "Kestrel PinnedBlockMemoryPool.Rent(4096) + Dispose, one at a time")]
    public void KestrelRentSingle() => RentSingle(_kestrel.Pool);

    [Benchmark(OperationsPerInvoke = Batch, Description = "PageMemoryPool.Rent(4096) x64, Dispose on another thread")]
    public void PoolRentCrossThread() => RentCrossThread(_pool);

    [Benchmark(OperationsPerInvoke = Batch, Description = "Kestrel PinnedBlockMemoryPool.Rent(4096) x64, Dispose on another thread")]
    public void KestrelRentCrossThread() => RentCrossThread(_kestrel.Pool);

    [Benchmark(OperationsPerInvoke = Batch, Description = "MemoryPool<byte>.Shared.Rent(4096) + Dispose x64")]
    public void SharedPoolRent() => RentBatch(MemoryPool<byte>.Shared);

    private void RentBatch(MemoryPool<byte> pool)
    {
        IMemoryOwner<byte>[] owners = _owners;
        for (int i = 0; i < Batch; i++)
        {
            owners[i] = pool.Rent(4096);
            Touch(owners[i].Memory.Span);
        }

        for (int i = 0; i < Batch; i++)
        {
            owners[i].Dispose();
        }
    }

    /// <summary>The counts of the <see cref="PageMemoryPool"/> benchmarks' pool.</summary>
    public PagePoolStats PoolStats => _pool.TryGetPagePoolStats(out PagePoolStats stats, out _) ? stats : default;

    /// <summary>Waits until the cross-thread benchmarks' disposals are done.</summary>
    public void SettleCrossThread() => _disposer.Wait();

    private void RentCrossThread(MemoryPool<byte> pool)
    {
        IMemoryOwner<byte>[] owners = _owners;
        for (int i = 0; i < Batch; i++)
        {
            owners[i] = pool.Rent(4096);
            Touch(owners[i].Memory.Span);
        }

        _disposer.DisposeAll(owners);
    }

    private static void RentSingle(MemoryPool<byte> pool)
    {
        for (int i = 0; i < Batch; i++)
        {
            IMemoryOwner<byte> owner = pool.Rent(4096);
            Touch(owner.Memory.Span);
            owner.Dispose();
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "pa_alloc_pages_bulk_list + pa_free_pages_bulk (direct C call)")]
    public void DirectCList()
    {
        pa_list_head* head = _head;
        head->next = head;
        head->prev = head;
        Methods.pa_alloc_pages_bulk_list(_raw, Methods.PA_GFP_KERNEL, Batch, head);
        // The walk PageList's enumerator makes: a descriptor begins with its list link (the
        // layout's promise, pa_layout_list_next in the header), so the links are read in place.
        for (var link = head->next; link != head; link = link->next)
        {
            Touch((byte*)Methods.pa_page_address(_raw, (pa_page*)link));
        }

        Methods.pa_free_pages_bulk(_raw, head);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "pa_alloc_pages_bulk_array + pa_release_pages (direct C call)")]
    public void DirectC()
    {
        pa_page** slots = _slots;
        nuint got = Methods.pa_alloc_pages_bulk_array(_raw, Methods.PA_GFP_KERNEL, Batch, slots);
        for (nuint i = 0; i < got; i++)
        {
            Touch((byte*)Methods.pa_page_address(_raw, slots[i]));
        }

        Methods.pa_release_pages(_raw, slots, got);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "ArrayPool<byte>.Shared.Rent(4096)/Return x64")]
    public void ArrayPoolShared()
    {
        ArrayPool<byte> pool = ArrayPool<byte>.Shared;
        for (int i = 0; i < Batch; i++)
        {
            _rented[i] = pool.Rent(4096);
            Touch(_rented[i]);
        }

        for (int i = 0; i < Batch; i++)
        {
            pool.Return(_rented[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "new byte[4096] x64")]
    public void NewArray()
    {
        for (int i = 0; i < Batch; i++)
        {
            _fresh[i] = new byte[4096];
            Touch(_fresh[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "NativeMemory.AlignedAlloc(4096, 4096)/AlignedFree x64")]
    public void NativeAligned()
    {
        for (int i = 0; i < Batch; i++)
        {
            _aligned[i] = NativeMemory.AlignedAlloc(4096, 4096);
            Touch((byte*)_aligned[i]);
        }

        for (int i = 0; i < Batch; i++)
        {
            NativeMemory.AlignedFree(_aligned[i]);
        }
    }

    // One byte per page at the cache line the page's frame number names: the C harness's rule
    // (bench_touch in bench/c/bench.h). Byte 0 of 64 page-aligned buffers is one L1 set, which
    // would measure the cache's associativity instead of the pool; buffers that are not
    // page-aligned (arrays) would escape it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Touch(Span<byte> buffer) =>
        buffer[(int)(((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(buffer)) >> 6) & 0xfc0)] = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Touch(byte* page) => page[((nuint)page >> 6) & 0xfc0] = 1;
}
