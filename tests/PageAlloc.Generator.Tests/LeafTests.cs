// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace PageAlloc.Generator.Tests;

/// <summary>
/// The committed bindings carry <c>[SuppressGCTransition]</c> on exactly the functions
/// pagealloc.h marks <c>PA_LEAF</c>: the ones the native build test (leaf_functions) proves
/// reach no lock, log or callback. A binding with the attribute that the header does not mark,
/// or a leaf without it, fails here.
/// </summary>
public sealed partial class LeafTests
{
    [Fact]
    public void SuppressGCTransition_is_on_exactly_the_headers_PA_LEAF_functions()
    {
        string root = Repository.Root;
        string header = File.ReadAllText(Path.Combine(root, "native/include/pagealloc/pagealloc.h"));
        string methods = File.ReadAllText(Path.Combine(root, "bindings/PageAlloc/Generated/Methods.cs"));

        var marked = LeafDeclaration().Matches(header).Select(m => m.Groups["name"].Value).ToHashSet();
        var suppressed = new HashSet<string>();
        var bound = new HashSet<string>();
        foreach (Match binding in Binding().Matches(methods))
        {
            bound.Add(binding.Groups["name"].Value);
            if (binding.Groups["attributes"].Value.Contains("[SuppressGCTransition]", System.StringComparison.Ordinal))
            {
                suppressed.Add(binding.Groups["name"].Value);
            }
        }

        // The hot conversions and the gfp check are leaves; the allocator's own calls are not.
        Assert.Superset(new HashSet<string> { "pa_page_address", "pa_page_to_pfn", "pa_pfn_to_page", "pa_gfp_valid", "pa_get_layout" }, marked);
        Assert.DoesNotContain("pa_alloc_pages", marked);
        Assert.DoesNotContain("pa_free_pages", marked);
        Assert.Subset(bound, marked);
        Assert.Equal(marked.Order(System.StringComparer.Ordinal), suppressed.Order(System.StringComparer.Ordinal));

        // No leaf takes a callback it could call.
        foreach (Match declaration in LeafDeclaration().Matches(header))
        {
            Assert.DoesNotContain("_fn", declaration.Groups["parameters"].Value, System.StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"PA_API PA_LEAF [^;(]*?\b(?<name>pa_[a-z_0-9]+)\((?<parameters>[^)]*)\)")]
    private static partial Regex LeafDeclaration();

    // One [LibraryImport] binding: its attribute lines, then the declaration naming the entry point.
    [GeneratedRegex(@"\[LibraryImport\(""pagealloc"", EntryPoint = ""(?<name>[a-z_0-9]+)""\)\]\r?\n(?<attributes>(\s*\[[^\r\n]*\]\r?\n)*)")]
    private static partial Regex Binding();
}
