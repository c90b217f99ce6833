// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using System.Linq;
using Xunit;

namespace PageAlloc.Generator.Tests;

/// <summary>
/// The committed generated files are what the generator makes of the committed header: a header
/// change (or a generator change) without `pwsh ./build.ps1 generate` fails here.
/// </summary>
public sealed class StalenessTests
{
    private const string BindingsDirectory = "bindings/PageAlloc/Generated";
    private const string LayoutTestsDirectory = "tests/PageAlloc.Generated.Tests/Generated";

    [Fact]
    public void Committed_generated_files_match_a_fresh_generation()
    {
        string root = Repository.Root;
        using var fresh = new Scratch("pagealloc-generator-");

        // The arguments build.ps1's generate task passes.
        Generator.Run(new GeneratorOptions
        {
            HeaderPath = Path.Combine(root, "native/include/pagealloc/pagealloc.h"),
            IncludeDirectories = new[] { Path.Combine(root, "native/include") },
            OutputDirectory = Path.Combine(fresh.Path, "bindings"),
            TestsOutputDirectory = Path.Combine(fresh.Path, "tests"),
        });

        AssertSameFiles(Path.Combine(fresh.Path, "bindings"), Path.Combine(root, BindingsDirectory), BindingsDirectory);
        AssertSameFiles(Path.Combine(fresh.Path, "tests"), Path.Combine(root, LayoutTestsDirectory), LayoutTestsDirectory);
    }

    private static void AssertSameFiles(string freshDirectory, string committedDirectory, string label)
    {
        string[] fresh = Names(freshDirectory);
        string[] committed = Directory.Exists(committedDirectory) ? Names(committedDirectory) : new string[0];
        Assert.True(fresh.SequenceEqual(committed),
            $"{label} holds [{string.Join(", ", committed)}] but the generator makes [{string.Join(", ", fresh)}]; run pwsh ./build.ps1 generate");
        foreach (string name in fresh)
        {
            byte[] expected = File.ReadAllBytes(Path.Combine(freshDirectory, name));
            byte[] actual = File.ReadAllBytes(Path.Combine(committedDirectory, name));
            if (!expected.SequenceEqual(actual))
            {
                TextAssert.Same(File.ReadAllText(Path.Combine(freshDirectory, name)),
                    File.ReadAllText(Path.Combine(committedDirectory, name)),
                    $"{label}/{name} is stale (run pwsh ./build.ps1 generate); it");
                Assert.Fail($"{label}/{name} differs from a fresh generation in its bytes (encoding?); run pwsh ./build.ps1 generate");
            }
        }
    }

    private static string[] Names(string directory) =>
        Directory.GetFiles(directory, "*.cs").Select(p => Path.GetFileName(p)!).Order(System.StringComparer.Ordinal).ToArray();
}
