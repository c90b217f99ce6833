// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>Each misuse and the exception it throws, before any native call.</summary>
public sealed class MisuseTests : LeakCheckedTest
{
    public static IEnumerable<object[]> AllocatorMisuses()
    {
        yield return Case("negative bulk count", a => a.AllocateBulk(-1), typeof(ArgumentOutOfRangeException));
        yield return Case("unknown gfp bit", a => a.AllocateBulk(1, (Gfp)0x80000000), typeof(ArgumentException));
        yield return Case("DMA with DMA32", a => a.AllocateBulk(1, Gfp.Dma | Gfp.Dma32), typeof(ArgumentException));
        yield return Case("HIGHMEM with DMA", a => a.AllocatePages(0, Gfp.HighMem | Gfp.Dma), typeof(ArgumentException));
        yield return Case("node past the last", a => a.AllocateBulk(1, Gfp.Kernel, 1), typeof(ArgumentOutOfRangeException));
        yield return Case("node below -1", a => a.AllocateBulk(1, Gfp.Kernel, -2), typeof(ArgumentOutOfRangeException));
        yield return Case("mask without our nodes", a => a.AllocateBulk(1, Gfp.Kernel, -1, NodeMask.Of(5)), typeof(ArgumentException));
        yield return Case("null destination list", a => a.AllocateBulk(null!, 1), typeof(ArgumentNullException));
        yield return Case("null array", a => a.FillBulk(null!), typeof(ArgumentNullException));
        yield return Case("order 11", a => a.AllocatePages(11), typeof(ArgumentOutOfRangeException));
        yield return Case("order -1", a => a.TryAllocatePages(-1, Gfp.Kernel, out _), typeof(ArgumentOutOfRangeException));
        yield return Case("zone info of a missing node", a => a.GetZoneInfo(1, ZoneType.Normal), typeof(ArgumentOutOfRangeException));
        yield return Case("zone info of a bad zone", a => a.GetZoneInfo(0, (ZoneType)7), typeof(ArgumentOutOfRangeException));
        yield return Case("zone info of an absent zone", a => a.GetZoneInfo(0, ZoneType.Dma), typeof(ArgumentException));
        yield return Case("pcp info of a bad cpu", a => a.GetPcpInfo(2, 0, ZoneType.Normal), typeof(ArgumentOutOfRangeException));
        yield return Case("bind a bad cpu", a => a.BindCpu(2), typeof(ArgumentOutOfRangeException));
        yield return Case("bind cpu -2", a => a.BindCpu(-2), typeof(ArgumentOutOfRangeException));
        yield return Case("bad vm event", a => a.GetVmEvent((VmEvent)99), typeof(ArgumentOutOfRangeException));
        yield return Case("probability 101", a => a.SetFaultInjection(101), typeof(ArgumentOutOfRangeException));
        yield return Case("interval 0", a => a.SetFaultInjection(50, interval: 0), typeof(ArgumentOutOfRangeException));
        yield return Case("mems without our nodes", a => a.SetMemsAllowed(NodeMask.Of(3)), typeof(ArgumentException));
        yield return Case("null reclaim callback", a => a.RegisterReclaim(null!), typeof(ArgumentNullException));
        yield return Case("list index past the end", a => Use(a.AllocateBulk(2), l => l[2]), typeof(ArgumentOutOfRangeException));
        yield return Case("list index -1", a => Use(a.AllocateBulk(2), l => l[-1]), typeof(ArgumentOutOfRangeException));
        yield return Case("detach past the end", a => Use(a.AllocateBulk(2), l => l.Detach(2)), typeof(ArgumentOutOfRangeException));
        yield return Case("split past the end", a => Use(a.AllocateBulk(2), l => l.Split(3)), typeof(ArgumentOutOfRangeException));
        yield return Case("split at -1", a => Use(a.AllocateBulk(2), l => l.Split(-1)), typeof(ArgumentOutOfRangeException));
        yield return Case("append a list to itself", a => Use(a.AllocateBulk(2), l => l.Append(l)), typeof(ArgumentException));
        yield return Case("append null", a => Use(a.AllocateBulk(2), l => l.Append(null!)), typeof(ArgumentNullException));
        yield return Case("array slot past the end", a => Use(new PageArray(2), arr => arr[2]), typeof(ArgumentOutOfRangeException));
        yield return Case("detach an empty slot", a => Use(new PageArray(2), arr => arr.Detach(0)), typeof(ArgumentException));
    }

    [Theory]
    [MemberData(nameof(AllocatorMisuses))]
    public void Misuse_throws_before_any_native_call(string name, Action<PageAllocator> misuse, Type exception)
    {
        using PageAllocator allocator = Create();
        long allocated = allocator.GetVmEvent(VmEvent.PgAllocNormal);
        Exception thrown = Assert.ThrowsAny<Exception>(() => misuse(allocator));
        Assert.True(exception == thrown.GetType(), $"{name}: expected {exception.Name}, got {thrown.GetType().Name}: {thrown.Message}");
        allocator.Check();
    }

    [Fact]
    public void Lists_and_arrays_of_another_allocator_are_rejected()
    {
        using PageAllocator first = Create();
        using PageAllocator second = Create();
        using PageList mine = first.AllocateBulk(2);
        using PageList theirs = second.AllocateBulk(2);
        using var array = new PageArray(2);
        Assert.Equal(2, first.FillBulk(array));

        Assert.Throws<ArgumentException>(() => mine.Append(theirs));
        Assert.Throws<ArgumentException>(() => second.AllocateBulk(mine, 1));
        Assert.Throws<ArgumentException>(() => second.FillBulk(array));

        // An emptied array may move to another allocator.
        array.Clear();
        Assert.Equal(2, second.FillBulk(array));
        first.Check();
        second.Check();
    }

    public static IEnumerable<object[]> OptionMisuses()
    {
        yield return Option("no nodes", o => o.NodeCount = 0, typeof(ArgumentOutOfRangeException));
        yield return Option("65 nodes", o => o.NodeCount = 65, typeof(ArgumentOutOfRangeException));
        yield return Option("page shift 11", o => o.PageShift = 11, typeof(ArgumentOutOfRangeException));
        yield return Option("2000 cpus", o => o.CpuCount = 2000, typeof(ArgumentOutOfRangeException));
        yield return Option("cpu map of the wrong length", o => { o.CpuCount = 2; o.CpuToNode = [0]; }, typeof(ArgumentException));
        yield return Option("cpu map without a cpu count", o => o.CpuToNode = [0], typeof(ArgumentException));
        yield return Option("cpu on a missing node", o => { o.CpuCount = 1; o.CpuToNode = [1]; }, typeof(ArgumentException));
        yield return Option("distance table of the wrong size", o => o.NodeDistance = new byte[2, 2], typeof(ArgumentException));
        yield return Option("pages on a node past the count", o => o.SetZonePages(1, ZoneType.Normal, 10), typeof(ArgumentException));
        yield return Option("no pages at all", o => o.SetZonePages(0, ZoneType.Normal, 0), typeof(ArgumentException));
        yield return Option("memory without a size", o => o.Memory = 4096, typeof(ArgumentException));
        yield return Option("negative watermark factor", o => o.WatermarkScaleFactor = -1, typeof(ArgumentOutOfRangeException));
    }

    [Theory]
    [MemberData(nameof(OptionMisuses))]
    public void Bad_options_throw_before_pa_create(string name, Action<PageAllocatorOptions> configure, Type exception)
    {
        var options = new PageAllocatorOptions();
        configure(options);
        Exception thrown = Assert.ThrowsAny<Exception>(() => new PageAllocator(options).Dispose());
        Assert.True(exception == thrown.GetType(), $"{name}: expected {exception.Name}, got {thrown.GetType().Name}: {thrown.Message}");
    }

    [Fact]
    public void Option_setters_and_value_types_reject_bad_values()
    {
        var options = new PageAllocatorOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.SetZonePages(64, ZoneType.Normal, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.SetZonePages(0, (ZoneType)4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.SetZonePages(0, ZoneType.Normal, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PageAllocatorOptions.Create(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => NodeMask.Of(64));
        Assert.Throws<ArgumentOutOfRangeException>(() => NodeMask.Of(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PageArray(-1));
        Assert.Throws<InvalidOperationException>(() => default(Page).Pfn);
    }

    private static object[] Case(string name, Action<PageAllocator> misuse, Type exception) => [name, misuse, exception];

    private static object[] Option(string name, Action<PageAllocatorOptions> configure, Type exception) => [name, configure, exception];

    private static void Use<T>(T owner, Action<T> action)
        where T : IDisposable
    {
        using (owner)
        {
            action(owner);
        }
    }

    private static void Use<T>(T owner, Func<T, object?> action)
        where T : IDisposable
    {
        using (owner)
        {
            action(owner);
        }
    }
}
