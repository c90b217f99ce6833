// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using PageAlloc.Testing;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>The tool as a user gets it: the package build.ps1 pack made, installed from a local
/// folder feed with dotnet tool install, and run on the fixture.</summary>
public sealed class ToolPackageTests
{
    private static string Folder => Path.Combine(Repository.Root, "build", "packages");

    /// <summary>The one package <paramref name="id"/>.&lt;version&gt;.nupkg build.ps1 pack left in
    /// build/packages (PageAlloc.Cli.0.1.0.nupkg, not PageAlloc.Cli.linux-x64.0.1.0.nupkg: the
    /// version starts with a digit).</summary>
    private static string PackagePath(string id = "PageAlloc.Cli")
    {
        string[] packages = Directory.Exists(Folder)
            ? Directory.GetFiles(Folder, $"{id}.*.nupkg").Where(p => char.IsAsciiDigit(Path.GetFileName(p)[id.Length + 1])).ToArray()
            : [];
        Assert.True(packages.Length == 1, $"expected one {id} package in {Folder} (made by build.ps1 pack), found {packages.Length}");
        return packages[0];
    }

    [Fact]
    public void The_tool_package_points_at_its_linux_x64_package()
    {
        using ZipArchive zip = ZipFile.OpenRead(PackagePath());
        string settings = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal)).Open()).ReadToEnd();
        Assert.Contains("<Command Name=\"pagealloc\"", settings);
        Assert.Contains("<RuntimeIdentifierPackage RuntimeIdentifier=\"linux-x64\" Id=\"PageAlloc.Cli.linux-x64\"", settings);
        Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith(".dll", StringComparison.Ordinal));
    }

    [Fact]
    public void The_linux_x64_package_carries_the_native_library_and_the_tool_compiled_to_native_code()
    {
        using ZipArchive zip = ZipFile.OpenRead(PackagePath("PageAlloc.Cli.linux-x64"));
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        const string Tools = "tools/any/linux-x64/";
        Assert.Contains(Tools + "DotnetToolSettings.xml", entries);
        Assert.Contains(Tools + "runtimes/linux-x64/native/libpagealloc.so", entries);
        Assert.Contains(Tools + "libSkiaSharp.so", entries);
        Assert.DoesNotContain(entries, e => e.Contains("/runtimes/", StringComparison.Ordinal) && !e.Contains("/runtimes/linux-x64/", StringComparison.Ordinal));
        // Native AOT: the command is an ELF executable, and no managed assembly or debug file
        // travels beside it.
        string settings = new StreamReader(zip.GetEntry(Tools + "DotnetToolSettings.xml")!.Open()).ReadToEnd();
        Assert.Contains("<Command Name=\"pagealloc\" EntryPoint=\"PageAlloc.Cli\" Runner=\"executable\"", settings);
        Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, Head(zip, Tools + "PageAlloc.Cli", 4));
        Assert.DoesNotContain(entries, e => e.EndsWith(".dll", StringComparison.Ordinal) || e.EndsWith(".dbg", StringComparison.Ordinal)
            || e.EndsWith(".pdb", StringComparison.Ordinal));
    }

    /// <summary>The first <paramref name="count"/> bytes of a packed file.</summary>
    private static byte[] Head(ZipArchive zip, string entry, int count)
    {
        using Stream stream = zip.GetEntry(entry)!.Open();
        byte[] head = new byte[count];
        stream.ReadExactly(head);
        return head;
    }

    [Fact]
    public void Installed_from_the_local_feed_pagealloc_replays_the_fixture()
    {
        string package = PackagePath();
        string version = Path.GetFileNameWithoutExtension(package)["PageAlloc.Cli.".Length..];
        using var scratch = new Scratch("pagealloc-tool-");
        string feed = Directory.CreateDirectory(scratch.File("feed")).FullName;
        foreach (string packed in new[] { package, PackagePath("PageAlloc.Cli.linux-x64") })
        {
            File.Copy(packed, Path.Combine(feed, Path.GetFileName(packed)));
        }

        string tools = scratch.File("tools");
        (string, string) cache = ("NUGET_PACKAGES", scratch.File("packages"));

        ChildProcess.Result install = ChildProcess.Run("dotnet", scratch.Path,
            ["tool", "install", "--tool-path", tools, "--add-source", feed, "PageAlloc.Cli", "--version", version], cache);
        Assert.True(install.ExitCode == 0, install.Output);

        string json = scratch.File("summary.json");
        string plot = scratch.File("replay.png");
        ChildProcess.Result run = ChildProcess.Run(Path.Combine(tools, "pagealloc"), scratch.Path,
            ["replay", Repository.Fixture, "--json", json, "--plot", plot]);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("events/s", run.Output);
        JsonElement summary = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(FixtureTrace.Fixture.Lines, summary.GetProperty("events").GetProperty("read").GetInt64());
        Assert.True(summary.GetProperty("ours").GetProperty("pcp_refill_pages").GetInt64() > 0);
        Assert.True(new FileInfo(plot).Length > 20_000);

        ChildProcess.Result missing = ChildProcess.Run(Path.Combine(tools, "pagealloc"), scratch.Path, ["replay", "/nonexistent"]);
        Assert.Equal(2, missing.ExitCode);
    }
}
