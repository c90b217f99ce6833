// SPDX-License-Identifier: GPL-2.0-only
using Xunit;

namespace PageAlloc.Generator.Tests;

/// <summary>The command line maps onto <see cref="GeneratorOptions"/>.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Every_option_is_read()
    {
        GeneratorOptions? options = CommandLine.Parse(new[]
        {
            "--header", "a.h", "--include", "inc1", "--include", "inc2", "--out", "out", "--tests-out", "tests",
            "--namespace", "N", "--tests-namespace", "T", "--library", "lib", "--builtin-include", "builtins",
        }, out string? error);

        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal("a.h", options.HeaderPath);
        Assert.Equal(new[] { "inc1", "inc2" }, options.IncludeDirectories);
        Assert.Equal("out", options.OutputDirectory);
        Assert.Equal("tests", options.TestsOutputDirectory);
        Assert.Equal("N", options.Namespace);
        Assert.Equal("T", options.TestsNamespace);
        Assert.Equal("lib", options.LibraryName);
        Assert.Equal("builtins", options.BuiltinIncludeDirectory);
    }

    [Fact]
    public void Defaults_are_the_PageAlloc_names()
    {
        GeneratorOptions? options = CommandLine.Parse(new[] { "--header", "a.h", "--out", "out" }, out _);

        Assert.NotNull(options);
        Assert.Equal("PageAlloc.Native", options.Namespace);
        Assert.Equal("PageAlloc.Generated.Tests", options.TestsNamespace);
        Assert.Equal("pagealloc", options.LibraryName);
        Assert.Null(options.TestsOutputDirectory);
        Assert.Null(options.BuiltinIncludeDirectory);
    }

    [Theory]
    [InlineData("--out", "out")]
    [InlineData("--header", "a.h")]
    [InlineData("--header", "a.h", "--out", "out", "--bogus", "x")]
    [InlineData("--header", "a.h", "--out")]
    public void Wrong_arguments_are_an_error(params string[] args)
    {
        Assert.Null(CommandLine.Parse(args, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
