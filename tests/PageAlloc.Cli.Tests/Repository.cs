// SPDX-License-Identifier: GPL-2.0-only
using System.IO;

namespace PageAlloc.Testing;

/// <summary>The tool's test paths, beside the shared ones.</summary>
internal static partial class Repository
{
    /// <summary>The trace of this machine checked in as a fixture (a bundle of pagealloc record).</summary>
    internal static string Fixture => Path.Combine(Root, "tests", "fixtures", "trace-20261206");
}
