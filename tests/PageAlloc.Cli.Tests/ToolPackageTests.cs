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
    private static string PackagePath()
    {
        string folder = Path.Combine(Repository.Root, "build", "packages");
        string[] packages = Directory.Exists(folder) ? Directory.GetFiles(folder, "PageAlloc.Cli.*.nupkg") : [];
        Assert.True(packages.Length == 1, $"expected one PageAlloc.Cli package in {folder} (made by build.ps1 pack), found {packages.Length}");
        return packages[0];
    }

    [Fact]
    public void The_tool_package_carries_the_native_library_for_linux_x64_only()
    {
        using ZipArchive zip = ZipFile.OpenRead(PackagePath());
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        Assert.Contains("tools/net10.0/any/PageAlloc.Cli.dll", entries);
        Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", entries);
        Assert.Contains("tools/net10.0/any/runtimes/linux-x64/native/libpagealloc.so", entries);
        Assert.Contains("tools/net10.0/any/runtimes/linux-x64/native/libSkiaSharp.so", entries);
        Assert.DoesNotContain(entries, e => e.Contains("/runtimes/", StringComparison.Ordinal) && !e.Contains("/runtimes/linux-x64/", StringComparison.Ordinal));
        string settings = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal)).Open()).ReadToEnd();
        Assert.Contains("<Command Name=\"pagealloc\"", settings);
    }

    [Fact]
    public void Installed_from_the_local_feed_pagealloc_replays_the_fixture()
    {
        string package = PackagePath();
        string version = Path.GetFileNameWithoutExtension(package)["PageAlloc.Cli.".Length..];
        using var scratch = new Scratch("pagealloc-tool-");
        string feed = Directory.CreateDirectory(scratch.File("feed")).FullName;
        File.Copy(package, Path.Combine(feed, Path.GetFileName(package)));
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
