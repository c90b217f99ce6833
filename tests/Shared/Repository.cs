// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;

namespace PageAlloc.Testing;

/// <summary>Paths in the repository the test assembly was built from. Shared by every test
/// project; a project adds its own paths in a partial part of this class.</summary>
internal static partial class Repository
{
    /// <summary>The configuration the test assembly (and so the solution) was built in.</summary>
#if DEBUG
    internal const string Configuration = "Debug";
#else
    internal const string Configuration = "Release";
#endif

    /// <summary>The folder holding PageAllocInterop.sln, above the test's output folder.</summary>
    internal static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PageAllocInterop.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No PageAllocInterop.sln above {AppContext.BaseDirectory}.");
    }
}
