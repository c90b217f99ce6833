// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using PageAlloc.Generator;

// PageAlloc.Generator --header native/include/pagealloc/pagealloc.h --include native/include
//     --out bindings/PageAlloc/Generated --tests-out tests/PageAlloc.Generated.Tests/Generated
GeneratorOptions? options = CommandLine.Parse(args, out string? error);
if (options == null)
{
    Console.Error.WriteLine($"PageAlloc.Generator: {error}");
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

try
{
    IReadOnlyList<string> files = Generator.Run(options);
    Console.WriteLine($"PageAlloc.Generator: {files.Count} files generated from {options.HeaderPath}");
    return 0;
}
catch (GeneratorException e)
{
    Console.Error.WriteLine($"PageAlloc.Generator: error: {e.Message}");
    return 1;
}
