// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace PageAlloc.Generator.Tests;

/// <summary>
/// One golden test: Golden/NAME.h in, Golden/NAME/*.cs expected out (bindings and layout tests
/// together, without the two support files every binding set has). Run the tests with
/// PAGEALLOC_UPDATE_GOLDEN=1 to rewrite the expected files in the source tree, then review the diff.
/// </summary>
internal static class GoldenCase
{
    private static readonly string[] SupportFiles = { "DisableRuntimeMarshalling.cs", "NativeTypeNameAttribute.cs" };

    /// <summary>The directory of the golden headers in the test output.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Golden");

    /// <summary>Options that generate from Golden/<paramref name="name"/>.h with default names.</summary>
    public static GeneratorOptions Options(string name) => new()
    {
        HeaderPath = Path.Combine(Directory, name + ".h"),
        IncludeDirectories = new[] { Directory },
    };

    /// <summary>What the generator makes of Golden/<paramref name="name"/>.h, by file name.</summary>
    public static SortedDictionary<string, string> Actual(string name)
    {
        GeneratedFiles files = Generator.Generate(Options(name));
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string file, string text) in files.Bindings.Concat(files.LayoutTests))
        {
            if (!SupportFiles.Contains(file))
            {
                all.Add(file, text);
            }
        }

        return all;
    }

    /// <summary>The expected files of Golden/<paramref name="name"/>/, by file name.</summary>
    public static SortedDictionary<string, string> Expected(string name)
    {
        var expected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string directory = Path.Combine(Directory, name);
        if (System.IO.Directory.Exists(directory))
        {
            foreach (string file in System.IO.Directory.EnumerateFiles(directory, "*.cs"))
            {
                expected.Add(Path.GetFileName(file), File.ReadAllText(file));
            }
        }

        return expected;
    }

    /// <summary>Rewrites the expected files in the source tree when PAGEALLOC_UPDATE_GOLDEN=1.</summary>
    public static void UpdateIfAsked(string name, IReadOnlyDictionary<string, string> actual)
    {
        if (Environment.GetEnvironmentVariable("PAGEALLOC_UPDATE_GOLDEN") != "1")
        {
            return;
        }

        string directory = Path.Combine(Repository.Root, "tests", "PageAlloc.Generator.Tests", "Golden", name);
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }

        System.IO.Directory.CreateDirectory(directory);
        foreach ((string file, string text) in actual)
        {
            File.WriteAllText(Path.Combine(directory, file), text);
        }
    }
}
