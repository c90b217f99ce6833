// SPDX-License-Identifier: GPL-2.0-only
using System;

namespace PageAlloc;

/// <summary>One line the native allocator logged, raised by <see cref="PageAllocator.Log"/>.</summary>
public sealed class PageAllocatorLogEventArgs : EventArgs
{
    /// <summary>A log line.</summary>
    /// <param name="level">Its severity.</param>
    /// <param name="message">Its text.</param>
    public PageAllocatorLogEventArgs(PageAllocatorLogLevel level, string message)
    {
        Level = level;
        Message = message;
    }

    /// <summary>The severity.</summary>
    public PageAllocatorLogLevel Level { get; }

    /// <summary>The text, without a trailing newline.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Level}: {Message}";
}
