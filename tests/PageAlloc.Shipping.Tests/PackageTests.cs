// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using PageAlloc.Testing;
using Xunit;

namespace PageAlloc.Shipping.Tests;

/// <summary>The package build.ps1 pack made (build/packages): what it carries, and a fresh
/// console app that restores it from a local folder feed and runs.</summary>
public sealed class PackageTests
{
    /// <summary>The one package <paramref name="id"/>.&lt;version&gt;.nupkg build.ps1 pack left in build/packages.</summary>
    internal static string PackagePath(string id = "PageAlloc")
    {
        string folder = Path.Combine(Repository.Root, "build", "packages");
        // PageAlloc.0.1.0.nupkg, not PageAlloc.AspNetCore.0.1.0.nupkg: the version starts with a digit.
        string[] packages = Directory.Exists(folder)
            ? Directory.GetFiles(folder, $"{id}.*.nupkg")
                .Where(p => !p.EndsWith(".snupkg", StringComparison.Ordinal) && char.IsAsciiDigit(Path.GetFileName(p)[id.Length + 1]))
                .ToArray()
            : [];
        Assert.True(packages.Length == 1, $"expected one {id} package in {folder} (made by build.ps1 pack), found {packages.Length}");
        return packages[0];
    }

    internal static string Version(string package, string id = "PageAlloc") =>
        Path.GetFileNameWithoutExtension(package).Substring(id.Length + 1);

    [Fact]
    public void The_package_carries_the_assembly_its_docs_a_readme_and_the_built_native_library()
    {
        string package = PackagePath();
        using ZipArchive zip = ZipFile.OpenRead(package);
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        Assert.Contains("lib/net10.0/PageAlloc.dll", entries);
        Assert.Contains("lib/net10.0/PageAlloc.xml", entries);
        Assert.Contains("README.md", entries);
        ZipArchiveEntry native = Assert.Single(zip.Entries, e => e.FullName == "runtimes/linux-x64/native/libpagealloc.so");
        using (var content = new MemoryStream())
        {
            using (Stream stream = native.Open())
            {
                stream.CopyTo(content);
            }

            Assert.True(content.ToArray().AsSpan().SequenceEqual(File.ReadAllBytes(Repository.NativeLibrary)),
                "the packed libpagealloc.so is not the one in build/native");
        }

        string nuspec = new StreamReader(zip.Entries.Single(e => e.FullName == "PageAlloc.nuspec").Open()).ReadToEnd();
        Assert.Contains("<id>PageAlloc</id>", nuspec);
        Assert.Contains("<license type=\"expression\">GPL-2.0-only</license>", nuspec);
        Assert.Contains("<readme>README.md</readme>", nuspec);

        string symbols = Path.ChangeExtension(package, ".snupkg");
        Assert.True(File.Exists(symbols), $"no symbols package {symbols}");
        using ZipArchive symbolZip = ZipFile.OpenRead(symbols);
        Assert.Contains(symbolZip.Entries, e => e.FullName == "lib/net10.0/PageAlloc.pdb");
    }

    [Fact]
    public void A_fresh_console_app_restores_the_package_from_a_local_feed_and_runs()
    {
        string package = PackagePath();
        string version = Version(package);
        using var scratch = new Scratch("pagealloc-package-");
        var local = new LocalFeed(scratch.Path, package);
        string feed = local.Feed, cache = local.Cache;
        (string, string) isolatedCache = local.CacheVariable;
        string app = Path.Combine(scratch.Path, "Consumer");

        ChildProcess.Dotnet(scratch.Path, ["new", "console", "--no-restore", "--framework", "net10.0", "--name", "Consumer", "--output", app], isolatedCache);
        ChildProcess.Dotnet(app, ["add", "package", "PageAlloc", "--version", version, "--source", feed], isolatedCache);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "PackageConsumer", "Program.cs"), Path.Combine(app, "Program.cs"), overwrite: true);
        ChildProcess.Result run = ChildProcess.Run("dotnet", app, ["run", "--configuration", "Release"], isolatedCache);

        Assert.True(run.ExitCode == 0, $"the consumer exited with {run.ExitCode}:\n{run.Output}");
        Assert.Contains("package consumer: OK", run.Output);
        Assert.Contains("native 0.1.0, page size 4096", run.Output);

        // It ran what was packed: the restored package is ours, and so is the library it loaded.
        string restored = Path.Combine(cache, "pagealloc", version, "runtimes", "linux-x64", "native", "libpagealloc.so");
        Assert.True(File.Exists(restored), $"the package was not restored into {cache}");
        string used = Path.Combine(app, "bin", "Release", "net10.0", "runtimes", "linux-x64", "native", "libpagealloc.so");
        Assert.True(File.Exists(used), $"no {used}");
        Assert.True(File.ReadAllBytes(used).AsSpan().SequenceEqual(File.ReadAllBytes(Repository.NativeLibrary)));
    }
}
