// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Generator;

/// <summary>What to generate from which header, and where to put it.</summary>
public sealed class GeneratorOptions
{
    /// <summary>The C header to bind (<c>--header</c>).</summary>
    public required string HeaderPath { get; init; }

    /// <summary>Directories searched by <c>#include</c> (<c>--include</c>, repeatable).</summary>
    public IReadOnlyList<string> IncludeDirectories { get; init; } = new List<string>();

    /// <summary>Where the bindings are written (<c>--out</c>); required by <see cref="Generator.Run"/>.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Where the layout tests are written (<c>--tests-out</c>); none when null.</summary>
    public string? TestsOutputDirectory { get; init; }

    /// <summary>The bindings' namespace (<c>--namespace</c>).</summary>
    public string Namespace { get; init; } = "PageAlloc.Native";

    /// <summary>The layout tests' namespace (<c>--tests-namespace</c>).</summary>
    public string TestsNamespace { get; init; } = "PageAlloc.Generated.Tests";

    /// <summary>The library name in <c>[LibraryImport]</c> (<c>--library</c>).</summary>
    public string LibraryName { get; init; } = "pagealloc";

    /// <summary>
    /// The compiler's builtin header directory (<c>--builtin-include</c>); when null, the answer
    /// of <c>cc -print-file-name=include</c> (else <c>gcc</c>'s).
    /// </summary>
    public string? BuiltinIncludeDirectory { get; init; }
}
