// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Generator;

/// <summary>Reads the generator's command line into <see cref="GeneratorOptions"/>.</summary>
public static class CommandLine
{
    /// <summary>How to call the generator.</summary>
    public const string Usage =
        "usage: PageAlloc.Generator --header <file.h> --out <dir> [--include <dir>]... [--tests-out <dir>]\n"
        + "                           [--namespace PageAlloc.Native] [--tests-namespace PageAlloc.Generated.Tests]\n"
        + "                           [--library pagealloc] [--builtin-include <dir with stddef.h>]";

    /// <summary>The options <paramref name="args"/> give; null (with <paramref name="error"/> set) when they are wrong.</summary>
    public static GeneratorOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var values = new Dictionary<string, string>();
        var includes = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name is not ("--header" or "--include" or "--out" or "--tests-out" or "--namespace"
                or "--tests-namespace" or "--library" or "--builtin-include"))
            {
                error = $"unknown argument '{name}'";
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value";
                return null;
            }

            string value = args[++i];
            if (name == "--include")
            {
                includes.Add(value);
            }
            else
            {
                values[name] = value;
            }
        }

        if (!values.TryGetValue("--header", out string? header) || !values.ContainsKey("--out"))
        {
            error = "--header and --out are required";
            return null;
        }

        var defaults = new GeneratorOptions { HeaderPath = header };
        error = null;
        return new GeneratorOptions
        {
            HeaderPath = header,
            IncludeDirectories = includes,
            OutputDirectory = values["--out"],
            TestsOutputDirectory = values.GetValueOrDefault("--tests-out"),
            Namespace = values.GetValueOrDefault("--namespace", defaults.Namespace),
            TestsNamespace = values.GetValueOrDefault("--tests-namespace", defaults.TestsNamespace),
            LibraryName = values.GetValueOrDefault("--library", defaults.LibraryName),
            BuiltinIncludeDirectory = values.GetValueOrDefault("--builtin-include"),
        };
    }
}
