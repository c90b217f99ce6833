// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using Xunit;

namespace PageAlloc.Generator.Tests;

/// <summary>The generator refuses, with a message that says why, rather than guess.</summary>
public sealed class FailureTests
{
    [Fact]
    public void A_clang_error_fails_the_generation_and_names_the_place()
    {
        var e = Assert.Throws<GeneratorException>(() => Generator.Generate(GoldenCase.Options("error")));

        Assert.Contains("error.h:5:", e.Message);
        Assert.Contains("unknown type name 'unknown_type'", e.Message);
        Assert.Contains("no bindings were written", e.Message);
    }

    [Fact]
    public void A_failed_generation_writes_nothing()
    {
        using var output = new Scratch("pagealloc-generator-");
        GeneratorOptions options = GoldenCase.Options("error");

        Assert.Throws<GeneratorException>(() => Generator.Run(new GeneratorOptions
        {
            HeaderPath = options.HeaderPath,
            IncludeDirectories = options.IncludeDirectories,
            OutputDirectory = output.Path,
        }));

        Assert.Empty(Directory.GetFileSystemEntries(output.Path));
    }

    [Fact]
    public void Size_t_unknown_to_clang_is_an_error_not_an_int()
    {
        // Builtin headers whose stddef.h defines nothing: clang no longer knows size_t.
        using var builtins = new Scratch("pagealloc-generator-");
        File.WriteAllText(Path.Combine(builtins.Path, "stddef.h"), "/* empty */\n");
        GeneratorOptions golden = GoldenCase.Options("function");
        var options = new GeneratorOptions
        {
            HeaderPath = golden.HeaderPath,
            IncludeDirectories = golden.IncludeDirectories,
            BuiltinIncludeDirectory = builtins.Path,
        };

        var e = Assert.Throws<GeneratorException>(() => Generator.Generate(options));

        Assert.Contains("unknown type name 'size_t'", e.Message);
    }

    [Fact]
    public void A_builtin_include_directory_without_stddef_h_is_refused()
    {
        using var builtins = new Scratch("pagealloc-generator-");
        GeneratorOptions golden = GoldenCase.Options("function");
        var options = new GeneratorOptions
        {
            HeaderPath = golden.HeaderPath,
            IncludeDirectories = golden.IncludeDirectories,
            BuiltinIncludeDirectory = builtins.Path,
        };

        var e = Assert.Throws<GeneratorException>(() => Generator.Generate(options));

        Assert.Contains("has no stddef.h", e.Message);
    }

    [Fact]
    public void A_missing_include_is_a_fatal_error()
    {
        using var headers = new Scratch("pagealloc-generator-");
        string header = Path.Combine(headers.Path, "missing_include.h");
        File.WriteAllText(header, "#include \"not_there.h\"\nint f(void);\n");

        var e = Assert.Throws<GeneratorException>(() => Generator.Generate(new GeneratorOptions { HeaderPath = header }));

        Assert.Contains("'not_there.h' file not found", e.Message);
    }

    [Fact]
    public void A_define_that_is_not_a_constant_expression_is_reported_by_name()
    {
        using var headers = new Scratch("pagealloc-generator-");
        string header = Path.Combine(headers.Path, "bad_define.h");
        File.WriteAllText(header, "#define NOT_A_VALUE (1 +)\nint f(void);\n");

        var e = Assert.Throws<GeneratorException>(() => Generator.Generate(new GeneratorOptions { HeaderPath = header }));

        Assert.Contains("evaluating #define NOT_A_VALUE (1 +)", e.Message);
    }

    [Fact]
    public void A_missing_header_is_reported()
    {
        var e = Assert.Throws<GeneratorException>(() =>
            Generator.Generate(new GeneratorOptions { HeaderPath = "/nonexistent/pagealloc.h" }));

        Assert.Contains("/nonexistent/pagealloc.h does not exist", e.Message);
    }

    [Fact]
    public void A_bit_field_is_refused_rather_than_laid_out_wrongly()
    {
        using var headers = new Scratch("pagealloc-generator-");
        string header = Path.Combine(headers.Path, "bitfield.h");
        File.WriteAllText(header, "struct flags { unsigned a : 1; unsigned b : 3; };\n");

        var e = Assert.Throws<GeneratorException>(() => Generator.Generate(new GeneratorOptions { HeaderPath = header }));

        Assert.Contains("bit-field a", e.Message);
    }
}
