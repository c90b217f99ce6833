// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;

namespace PageAlloc.Generator.Tests;

/// <summary>Finds the repository: the first directory above the tests that holds PageAllocInterop.sln.</summary>
internal static class RepositoryRoot
{
    /// <summary>The repository's root directory.</summary>
    public static string Find()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PageAllocInterop.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No PageAllocInterop.sln above {AppContext.BaseDirectory}.");
    }
}
