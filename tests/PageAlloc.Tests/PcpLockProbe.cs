// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Threading;
using PageAlloc;
using Xunit;

namespace PageAlloc.Tests;

/// <summary>
/// Runs code on another thread at a moment when the calling thread's bulk allocation holds
/// cpu 0's pcp lock, without any test hook in the library: with poisoning on, a page written
/// after free is reported by the log callback while the bulk path prepares it under the pcp
/// lock (the log callback may run with allocator locks held). The probe's handler starts the
/// other thread there and waits for it (at most 10 s, so a mistake cannot hang the run).
/// </summary>
internal sealed unsafe class PcpLockProbe
{
    private readonly PageAllocator _allocator;
    private readonly Action _whileLocked;
    private string? _needle;
    private int _fired;

    /// <param name="allocator">An allocator with Poison on, the calling thread bound to cpu 0.</param>
    /// <param name="whileLocked">Runs on another thread while the pcp lock is held.</param>
    internal PcpLockProbe(PageAllocator allocator, Action whileLocked)
    {
        _allocator = allocator;
        _whileLocked = whileLocked;
    }

    /// <summary>Whether the poisoned page was reported during the bulk call.</summary>
    internal bool Fired => _fired == 1;

    /// <summary>Whether the other thread finished while the lock was held.</summary>
    internal bool Completed { get; private set; }

    internal Exception? Failure { get; private set; }

    /// <summary>Plants a written-after-free page at the head of cpu 0's pcp list, then runs
    /// <paramref name="bulk"/>, during which the other thread runs.</summary>
    internal T Run<T>(Func<T> bulk)
    {
        _allocator.DrainAll();
        long pfn;
        using (PageList victim = _allocator.AllocateBulk(1, Gfp.Kernel))
        {
            Assert.Single(victim);
            pfn = victim[0].Pfn;
            nint address = victim[0].Address;
            victim.Dispose();
            *(byte*)address = 0x11; // written after free, on purpose
        }

        _needle = pfn == 0 ? "pfn:0 " : $"pfn:0x{pfn:x} "; // as C's %#llx prints it
        _allocator.Log += OnLog;
        try
        {
            return bulk();
        }
        finally
        {
            _allocator.Log -= OnLog;
        }
    }

    private void OnLog(object? sender, PageAllocatorLogEventArgs e)
    {
        if (_needle is null || !e.Message.Contains(_needle, StringComparison.Ordinal) ||
            Interlocked.Exchange(ref _fired, 1) != 0)
        {
            return;
        }

        var thread = new Thread(() =>
        {
            try
            {
                _whileLocked();
            }
            catch (Exception exception)
            {
                Failure = exception;
            }
        });
        thread.Start();
        Completed = thread.Join(TimeSpan.FromSeconds(10));
    }
}
