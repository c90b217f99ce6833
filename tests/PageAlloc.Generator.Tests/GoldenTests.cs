// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using Xunit;

namespace PageAlloc.Generator.Tests;

/// <summary>Small headers in, the exact C# the generator must write out.</summary>
public sealed class GoldenTests
{
    [Theory]
    [InlineData("function")]
    [InlineData("struct_fixed_array")]
    [InlineData("enum")]
    [InlineData("define")]
    [InlineData("opaque")]
    [InlineData("callback")]
    [InlineData("leaf")]
    public void Header_generates_the_expected_CSharp(string name)
    {
        SortedDictionary<string, string> actual = GoldenCase.Actual(name);
        GoldenCase.UpdateIfAsked(name, actual);
        SortedDictionary<string, string> expected = GoldenCase.Expected(name);

        Assert.Equal(expected.Keys, actual.Keys);
        foreach ((string file, string text) in expected)
        {
            TextAssert.Same(text, actual[file], $"Golden/{name}/{file}");
        }
    }
}
