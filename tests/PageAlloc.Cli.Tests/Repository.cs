// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;

namespace PageAlloc.Cli.Tests;

/// <summary>Paths in the repository this test assembly was built from.</summary>
internal static class Repository
{
#if DEBUG
    internal const string Configuration = "Debug";
#else
    internal const string Configuration = "Release";
#endif

    internal static string Root { get; } = FindRoot();

    /// <summary>The trace of this machine checked in as a fixture (a bundle of pagealloc record).</summary>
    internal static string Fixture { get; } = Path.Combine(Root, "tests", "fixtures", "trace-20261206");

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
