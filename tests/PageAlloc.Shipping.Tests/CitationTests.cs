// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace PageAlloc.Shipping.Tests;

/// <summary>A clone of the repository holds every rule its code cites: the rules are stated in
/// docs/, and nothing points at a rule book that lives outside the repository.</summary>
public sealed partial class CitationTests
{
    // Build output and tool state are not sources; the fixtures are recorded data.
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { ".git", "bin", "obj", "build", "fixtures" };

    private static readonly string[] SourceExtensions = [".c", ".h", ".cs", ".csproj", ".cmake", ".ps1", ".txt"];

    /// <summary>Every <c>NAME.md</c> a source file names (other than a project's README) is a
    /// page of docs/.</summary>
    [Fact]
    public void Every_page_a_source_file_cites_is_in_docs()
    {
        var missing = new List<string>();
        int citations = 0;
        foreach (string file in Files(Repository.Root, SourceExtensions))
        {
            foreach (Match match in PageName().Matches(File.ReadAllText(file)))
            {
                string page = match.Groups[1].Value;
                if (page == "README")
                {
                    continue;
                }

                citations++;
                if (!File.Exists(Path.Combine(Repository.Root, "docs", page + ".md")))
                {
                    missing.Add($"{Path.GetRelativePath(Repository.Root, file)}: {page}.md");
                }
            }
        }

        Assert.True(citations > 10, $"found only {citations} citations of docs/ pages in the sources");
        Assert.True(missing.Count == 0, "cited but not in docs/: " + string.Join(", ", missing.Distinct()));
    }

    /// <summary>No source file or page cites the rule books the project was specified from,
    /// which a clone does not have.</summary>
    [Fact]
    public void Nothing_cites_a_rule_book_outside_the_repository()
    {
        string[] outside = Files(Repository.Root, [.. SourceExtensions, ".md"])
            .Where(file => OutsideCitation().IsMatch(File.ReadAllText(file)))
            .Select(file => Path.GetRelativePath(Repository.Root, file))
            .ToArray();

        Assert.True(outside.Length == 0, "cites a file outside the repository: " + string.Join(", ", outside));
    }

    [Fact]
    public void The_outside_pattern_catches_what_it_is_for()
    {
        Assert.Matches(OutsideCitation(), "rules in ../shared/BULK.md");
        Assert.Matches(OutsideCitation(), "one test per rule of shared/TRACE.md");
        Assert.Matches(OutsideCitation(), "(PCP618.md: the 6.18 model)");
        Assert.DoesNotMatch(OutsideCitation(), "rules in docs/BULK_RULES.md and docs/PCP_6_18.md");
        Assert.DoesNotMatch(OutsideCitation(), "tests/Shared/ChildProcess.cs");
    }

    private static IEnumerable<string> Files(string folder, string[] extensions)
    {
        foreach (string file in Directory.EnumerateFiles(folder))
        {
            // This file spells out the names it looks for.
            if (extensions.Any(e => file.EndsWith(e, StringComparison.Ordinal)) && Path.GetFileName(file) != "CitationTests.cs")
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

            foreach (string file in Files(sub, extensions))
            {
                yield return file;
            }
        }
    }

    /// <summary>A page name in capitals: <c>BENCHMARKS.md</c>, <c>docs/BULK_RULES.md</c>.</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_])([A-Z][A-Z0-9_]*)\.md\b")]
    private static partial Regex PageName();

    /// <summary>The folder the specification lived in, and the names of its files that docs/
    /// does not reuse.</summary>
    [GeneratedRegex(@"\.\./shared\b|(?<![A-Za-z])shared/[A-Z0-9_]+\.md|(?<![A-Za-z0-9_/])(BULK|TRACE|PCP618|PEERS|SPEC|STYLE)\.md\b")]
    private static partial Regex OutsideCitation();
}
