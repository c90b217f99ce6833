// SPDX-License-Identifier: GPL-2.0-only
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>The severity of a log line (the C <c>PA_LOG_*</c> values, syslog levels).</summary>
public enum PageAllocatorLogLevel
{
    /// <summary>An error: a bad free, a broken invariant, a bad argument (<c>PA_LOG_ERR</c>).</summary>
    Error = Methods.PA_LOG_ERR,

    /// <summary>A warning, such as an allocation failure (<c>PA_LOG_WARNING</c>).</summary>
    Warning = Methods.PA_LOG_WARNING,

    /// <summary>Information (<c>PA_LOG_INFO</c>).</summary>
    Info = Methods.PA_LOG_INFO,

    /// <summary>Debugging detail (<c>PA_LOG_DEBUG</c>).</summary>
    Debug = Methods.PA_LOG_DEBUG,
}
