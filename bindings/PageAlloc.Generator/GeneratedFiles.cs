// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Generator;

/// <summary>The generated files, by file name, before anything is written.</summary>
/// <param name="Bindings">The raw binding layer (Methods.cs, one file per type, support files).</param>
/// <param name="LayoutTests">The layout tests (empty when the header has no struct or enum).</param>
public sealed record GeneratedFiles(
    IReadOnlyDictionary<string, string> Bindings,
    IReadOnlyDictionary<string, string> LayoutTests);
