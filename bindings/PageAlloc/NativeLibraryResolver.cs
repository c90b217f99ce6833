// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PageAlloc;

/// <summary>
/// Finds <c>libpagealloc.so</c> for the generated P/Invoke layer: first the runtime's own probing
/// (the application directory, <c>deps.json</c> runtime assets of the package, the system search
/// path), then, as a fallback, the directory of this assembly and its
/// <c>runtimes/&lt;rid&gt;/native</c> folder, which is where a project reference puts the library.
/// </summary>
internal static class NativeLibraryResolver
{
    private const string LibraryBaseName = "pagealloc";

    /// <summary>Registers the resolver before the first native call (module initializer).</summary>
#pragma warning disable CA2255 // ModuleInitializer in a library: the resolver must exist before any P/Invoke.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A resolver was set already (by the host): it decides.
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!IsPageAlloc(libraryName))
        {
            return 0;
        }

        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out nint handle))
        {
            return handle;
        }

        foreach (string candidate in Candidates(assembly))
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out handle))
            {
                return handle;
            }
        }

        return 0; // let the runtime report its usual DllNotFoundException
    }

    private static bool IsPageAlloc(string libraryName)
    {
        string name = Path.GetFileName(libraryName);
        if (name.StartsWith("lib", StringComparison.Ordinal))
        {
            name = name.Substring(3);
        }

        int dot = name.IndexOf('.');
        if (dot >= 0)
        {
            name = name.Substring(0, dot);
        }

        return name == LibraryBaseName;
    }

    private static string[] Candidates(Assembly assembly)
    {
        string fileName = OperatingSystem.IsWindows() ? LibraryBaseName + ".dll"
            : OperatingSystem.IsMacOS() ? "lib" + LibraryBaseName + ".dylib"
            : "lib" + LibraryBaseName + ".so";
        string rid = RuntimeIdentifier();
        string assemblyDir = AssemblyDirectory(assembly);
        string baseDir = AppContext.BaseDirectory;
        return
        [
            Path.Combine(assemblyDir, fileName),
            Path.Combine(assemblyDir, "runtimes", rid, "native", fileName),
            Path.Combine(baseDir, fileName),
            Path.Combine(baseDir, "runtimes", rid, "native", fileName),
        ];
    }

    // Location is empty for single-file and native AOT apps: fall back to the app directory.
    // An attribute, not a #pragma: the AOT compiler reports IL3000 again and honours only this.
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty Location falls back to AppContext.BaseDirectory.")]
    private static string AssemblyDirectory(Assembly assembly)
    {
        string location = assembly.Location;
        string? dir = string.IsNullOrEmpty(location) ? null : Path.GetDirectoryName(location);
        return dir ?? AppContext.BaseDirectory;
    }

    private static string RuntimeIdentifier()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            _ => RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        };
        return os + "-" + arch;
    }
}
