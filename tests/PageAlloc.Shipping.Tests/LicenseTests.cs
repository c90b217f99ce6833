// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit;

namespace PageAlloc.Shipping.Tests;

/// <summary>The project is GPL-2.0-only (the native library ports mm/page_alloc.c): the license
/// text ships at the top, every source file names it, and so does every package.</summary>
public sealed class LicenseTests
{
    private const string Spdx = "SPDX-License-Identifier: GPL-2.0-only";

    // Build output and tool state are not sources.
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { ".git", "bin", "obj", "build", "node_modules" };

    [Fact]
    public void The_LICENSE_file_holds_the_GPL_version_2_text()
    {
        string text = File.ReadAllText(Path.Combine(Repository.Root, "LICENSE"));
        Assert.Contains("GNU GENERAL PUBLIC LICENSE", text);
        Assert.Contains("Version 2, June 1991", text);
        Assert.Contains("TERMS AND CONDITIONS FOR COPYING, DISTRIBUTION AND MODIFICATION", text);
    }

    [Fact]
    public void Every_C_and_CSharp_source_file_starts_with_the_SPDX_line()
    {
        List<string> sources = SourceFiles(Repository.Root).ToList();
        Assert.True(sources.Count > 150, $"found only {sources.Count} source files under {Repository.Root}");
        // The first line, or the second after a generated-file or shebang line.
        string[] missing = sources
            .Where(f => !File.ReadLines(f).Take(2).Any(line => line.Contains(Spdx, StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(Repository.Root, f))
            .ToArray();
        Assert.True(missing.Length == 0, "no SPDX line in: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_packed_package_declares_GPL_2_0_only()
    {
        string folder = Path.Combine(Repository.Root, "build", "packages");
        string[] packages = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.nupkg") : [];
        Assert.True(packages.Length > 0, $"no package in {folder} (made by build.ps1 pack)");
        foreach (string package in packages)
        {
            using ZipArchive zip = ZipFile.OpenRead(package);
            ZipArchiveEntry nuspec = Assert.Single(zip.Entries, e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
            using var reader = new StreamReader(nuspec.Open());
            Assert.True(reader.ReadToEnd().Contains("<license type=\"expression\">GPL-2.0-only</license>", StringComparison.Ordinal),
                $"{Path.GetFileName(package)} does not declare GPL-2.0-only");
        }
    }

    private static IEnumerable<string> SourceFiles(string folder)
    {
        foreach (string file in Directory.EnumerateFiles(folder))
        {
            if (file.EndsWith(".c", StringComparison.Ordinal) || file.EndsWith(".h", StringComparison.Ordinal) ||
                file.EndsWith(".cs", StringComparison.Ordinal))
            {
                yield return file;
            }
        }

        foreach (string sub in Directory.EnumerateDirectories(folder))
        {
            if (SkippedFolders.Contains(Path.GetFileName(sub)))
            {
                continue;
            }

            foreach (string file in SourceFiles(sub))
            {
                yield return file;
            }
        }
    }
}
