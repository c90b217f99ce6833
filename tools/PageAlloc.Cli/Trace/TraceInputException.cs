// SPDX-License-Identifier: GPL-2.0-only
using System;

namespace PageAlloc.Cli.Trace;

/// <summary>The input cannot be used: unreadable, missing, or not a trace. The message is
/// the one line the tool prints on standard error before exiting with code 2.</summary>
internal sealed class TraceInputException(string message) : Exception(message);
