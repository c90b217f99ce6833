// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;

namespace PageAlloc.Testing;

/// <summary>A new empty folder under the system's temporary folder, outside the repository (so
/// its Directory.Build.props and NuGet settings do not apply), deleted on Dispose.</summary>
internal sealed class Scratch : IDisposable
{
    internal Scratch(string prefix = "pagealloc-test-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The folder's full path.</summary>
    internal string Path { get; }

    /// <summary>The full path of <paramref name="name"/> inside the folder.</summary>
    internal string File(string name) => System.IO.Path.Combine(Path, name);

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
