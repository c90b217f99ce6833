// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;

namespace PageAlloc.Shipping.Tests;

/// <summary>A new empty folder outside the repository (so its Directory.Build.props and
/// nuget settings do not apply), deleted on Dispose.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    internal ScratchDirectory(string prefix)
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    internal string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file open for a moment; the folder is temporary.
        }
    }
}
