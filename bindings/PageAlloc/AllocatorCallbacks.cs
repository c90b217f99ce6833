using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// The managed side of one allocator's native callbacks: the log callback (<c>pa_set_log</c>) and
/// the reclaim callbacks (<c>pa_register_reclaim</c>). Native code reaches it through
/// <see cref="GCHandle"/> contexts and <see cref="UnmanagedCallersOnlyAttribute"/> trampolines that
/// catch every exception: none crosses into C.
/// </summary>
/// <remarks>
/// This object references neither the <see cref="PageAllocator"/> (only weakly, as the event
/// sender) nor its handle, so its GC handles never keep the allocator reachable; the
/// <see cref="AllocatorHandle"/> frees them after <c>pa_destroy</c>.
/// </remarks>
internal sealed unsafe class AllocatorCallbacks
{
    [ThreadStatic]
    private static string? t_lastError;

    private readonly WeakReference<PageAllocator?> _sender = new(null);
    private readonly List<ReclaimTarget> _reclaimTargets = [];
    private GCHandle _self;
    private Exception? _callbackException;
    private bool _freed;

    internal AllocatorCallbacks() => _self = GCHandle.Alloc(this);

    /// <summary>The log event's handlers.</summary>
    internal event EventHandler<PageAllocatorLogEventArgs>? Log;

    /// <summary>The context pointer handed to <c>pa_set_log</c>.</summary>
    internal void* LogContext => (void*)GCHandle.ToIntPtr(_self);

    /// <summary>The log trampoline, for <c>pa_set_log</c>.</summary>
    internal static delegate* unmanaged[Cdecl]<void*, int, sbyte*, void> LogFunction => &LogTrampoline;

    /// <summary>The trace trampoline, for <c>pa_set_trace</c> (its context is <see cref="LogContext"/>).</summary>
    internal static delegate* unmanaged[Cdecl]<void*, pa_trace_event*, void> TraceFunction => &TraceTrampoline;

    /// <summary>The trace event's handlers; the caller switches the native callback on and off.</summary>
    internal EventHandler<TraceEvent>? Trace;

    /// <summary>The reclaim trampoline, for <c>pa_register_reclaim</c>.</summary>
    internal static delegate* unmanaged[Cdecl]<void*, pa_allocator*, int, nuint, nuint> ReclaimFunction => &ReclaimTrampoline;

    /// <summary>The last exception a callback threw (the log handlers or a reclaim callback).</summary>
    internal Exception? CallbackException
    {
        get => Volatile.Read(ref _callbackException);
        set => Volatile.Write(ref _callbackException, value);
    }

    /// <summary>The last error-level line logged on this thread, by any allocator.</summary>
    internal static string? LastError
    {
        get => t_lastError;
        set => t_lastError = value;
    }

    internal void SetSender(PageAllocator allocator) => _sender.SetTarget(allocator);

    /// <summary>Adds a reclaim callback's context; the caller registers it natively.</summary>
    internal ReclaimTarget AddReclaim(ReclaimCallback callback)
    {
        var target = new ReclaimTarget(this, callback);
        lock (_reclaimTargets)
        {
            ObjectDisposedException.ThrowIf(_freed, typeof(PageAllocator));
            target.Handle = GCHandle.Alloc(target);
            _reclaimTargets.Add(target);
        }

        return target;
    }

    /// <summary>Frees a reclaim callback's context after it was unregistered (or failed to register).</summary>
    internal void RemoveReclaim(ReclaimTarget target)
    {
        lock (_reclaimTargets)
        {
            if (_reclaimTargets.Remove(target) && target.Handle.IsAllocated)
            {
                target.Handle.Free();
            }
        }
    }

    /// <summary>Whether <paramref name="target"/> is still registered.</summary>
    internal bool IsRegistered(ReclaimTarget target)
    {
        lock (_reclaimTargets)
        {
            return _reclaimTargets.Contains(target);
        }
    }

    /// <summary>Frees every GC handle; called after <c>pa_destroy</c>, when no callback can run.</summary>
    internal void Free()
    {
        lock (_reclaimTargets)
        {
            _freed = true;
            foreach (ReclaimTarget target in _reclaimTargets)
            {
                if (target.Handle.IsAllocated)
                {
                    target.Handle.Free();
                }
            }

            _reclaimTargets.Clear();
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    private void OnLog(int level, sbyte* message)
    {
        string text = message == null ? string.Empty : Marshal.PtrToStringUTF8((nint)message) ?? string.Empty;
        text = text.TrimEnd('\n');
        var severity = (PageAllocatorLogLevel)level;
        if (level <= Methods.PA_LOG_ERR)
        {
            t_lastError = text;
        }

        EventHandler<PageAllocatorLogEventArgs>? handler = Log;
        if (handler is null)
        {
            // Keep the native default: warnings and errors to stderr.
            if (level <= Methods.PA_LOG_WARNING)
            {
                Console.Error.WriteLine("pagealloc: " + text);
            }

            return;
        }

        _sender.TryGetTarget(out PageAllocator? sender);
        handler(sender, new PageAllocatorLogEventArgs(severity, text));
    }

    private void ReportReclaimException(Exception exception)
    {
        CallbackException = exception;
        try
        {
            OnLogText(PageAllocatorLogLevel.Error, "reclaim callback threw " + exception.GetType().FullName + ": " + exception.Message);
        }
        catch (Exception logException)
        {
            CallbackException = logException;
        }
    }

    private void OnLogText(PageAllocatorLogLevel level, string text)
    {
        fixed (byte* utf8 = System.Text.Encoding.UTF8.GetBytes(text + "\0"))
        {
            OnLog((int)level, (sbyte*)utf8);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void LogTrampoline(void* context, int level, sbyte* message)
    {
        AllocatorCallbacks? callbacks = null;
        try
        {
            callbacks = (AllocatorCallbacks?)GCHandle.FromIntPtr((nint)context).Target;
            callbacks?.OnLog(level, message);
        }
        catch (Exception exception)
        {
            if (callbacks is not null)
            {
                callbacks.CallbackException = exception;
            }
        }
    }

    // No allocation per event: the handle's target, a struct copy and the delegate call.
    private void OnTrace(pa_trace_event* ev)
    {
        EventHandler<TraceEvent>? handler = Trace;
        if (handler is null)
        {
            return; // the last handler went while the native callback was being switched off
        }

        _sender.TryGetTarget(out PageAllocator? sender);
        handler(sender, new TraceEvent(ev));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void TraceTrampoline(void* context, pa_trace_event* ev)
    {
        AllocatorCallbacks? callbacks = null;
        try
        {
            callbacks = (AllocatorCallbacks?)GCHandle.FromIntPtr((nint)context).Target;
            callbacks?.OnTrace(ev);
        }
        catch (Exception exception)
        {
            if (callbacks is not null)
            {
                callbacks.CallbackException = exception;
            }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nuint ReclaimTrampoline(void* context, pa_allocator* allocator, int node, nuint pagesToFree)
    {
        ReclaimTarget? target = null;
        try
        {
            target = (ReclaimTarget?)GCHandle.FromIntPtr((nint)context).Target;
            if (target is null)
            {
                return 0;
            }

            long freed = target.Callback(node, (ulong)pagesToFree > long.MaxValue ? long.MaxValue : (long)pagesToFree);
            return freed > 0 ? (nuint)freed : 0;
        }
        catch (Exception exception)
        {
            try
            {
                target?.Owner.ReportReclaimException(exception);
            }
            catch
            {
                // Nothing may cross into C.
            }

            return 0;
        }
    }

    /// <summary>One registered reclaim callback; its GC handle is the native context.</summary>
    internal sealed class ReclaimTarget
    {
        internal ReclaimTarget(AllocatorCallbacks owner, ReclaimCallback callback)
        {
            Owner = owner;
            Callback = callback;
        }

        internal AllocatorCallbacks Owner { get; }

        internal ReclaimCallback Callback { get; }

        internal GCHandle Handle;

        internal void* Context => (void*)GCHandle.ToIntPtr(Handle);
    }
}
