// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;

namespace PageAlloc.Cli.Tests;

/// <summary>A new empty temporary folder, deleted on Dispose.</summary>
internal sealed class Scratch : IDisposable
{
    internal Scratch(string prefix = "pagealloc-cli-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    internal string Path { get; }

    internal string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes a trace file of <paramref name="lines"/> (each ended by a line break unless <paramref name="lastBreak"/> is false).</summary>
    internal string Trace(string name, string[] lines, bool lastBreak = true)
    {
        string path = File(name);
        string text = string.Join('\n', lines) + (lastBreak ? "\n" : "");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a child process may still hold a file for a moment; the folder is temporary
        }
    }
}
