// SPDX-License-Identifier: GPL-2.0-only
using System.IO;

namespace PageAlloc.Testing;

/// <summary>What ships, beside the shared paths.</summary>
internal static partial class Repository
{
    /// <summary>The native library as CMake built it.</summary>
    internal static string NativeLibrary => Path.Combine(Root, "build", "native", "libpagealloc.so");
}
