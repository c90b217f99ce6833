// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace PageAlloc.Generator.Clang;

/// <summary>
/// Finds libclang.so: the runtime's own probing first (deps.json lists the package's native
/// asset), then the copies a build places next to the assembly, then the NuGet package folder.
/// </summary>
internal static class LibClangResolver
{
    /// <summary>The package that ships libclang.so, as PageAlloc.Generator.csproj references it.</summary>
    public const string PackageId = "libclang.runtime.linux-x64";

    /// <summary>The version of <see cref="PackageId"/> the generator is built against.</summary>
    public const string PackageVersion = "22.1.8";

    private static readonly object Gate = new();
    private static bool registered;

    /// <summary>Installs the resolver for <paramref name="assembly"/> once.</summary>
    public static void Register(Assembly assembly)
    {
        lock (Gate)
        {
            if (registered)
            {
                return;
            }

            NativeLibrary.SetDllImportResolver(assembly, Resolve);
            registered = true;
        }
    }

    /// <summary>The files tried after the runtime's own probing, in order.</summary>
    public static IEnumerable<string> CandidatePaths()
    {
        string baseDirectory = AppContext.BaseDirectory;
        yield return Path.Combine(baseDirectory, "runtimes", "linux-x64", "native", "libclang.so");
        yield return Path.Combine(baseDirectory, "libclang.so");

        string? packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
        {
            packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        yield return Path.Combine(packages, PackageId, PackageVersion, "runtimes", "linux-x64", "native", "libclang.so");
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != "libclang")
        {
            return 0;
        }

        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out nint handle))
        {
            return handle;
        }

        foreach (string candidate in CandidatePaths())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out handle))
            {
                return handle;
            }
        }

        return 0;
    }
}
