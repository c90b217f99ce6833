// SPDX-License-Identifier: GPL-2.0-only
using System;

namespace PageAlloc.Generator;

/// <summary>
/// The header cannot be turned into bindings: clang reported an error, a construct has no C#
/// counterpart here, or a tool the generator needs is missing. The message says which.
/// </summary>
public sealed class GeneratorException : Exception
{
    /// <summary>Creates the exception with the message shown to the user.</summary>
    public GeneratorException(string message)
        : base(message)
    {
    }
}
