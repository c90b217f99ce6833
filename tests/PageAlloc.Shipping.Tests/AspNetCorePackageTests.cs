// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using PageAlloc.Testing;
using Xunit;

namespace PageAlloc.Shipping.Tests;

/// <summary>The PageAlloc.AspNetCore package build.ps1 pack made: what it carries and what it
/// depends on, and a fresh web app that restores it (and PageAlloc with it) from a local folder
/// feed and serves a request on page pools.</summary>
public sealed class AspNetCorePackageTests
{
    private const string Id = "PageAlloc.AspNetCore";

    [Fact]
    public void The_package_carries_its_assembly_docs_and_readme_and_depends_on_PageAlloc_of_the_same_version()
    {
        string package = PackageTests.PackagePath(Id);
        string version = PackageTests.Version(package, Id);
        using ZipArchive zip = ZipFile.OpenRead(package);
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        Assert.Contains("lib/net10.0/PageAlloc.AspNetCore.dll", entries);
        Assert.Contains("lib/net10.0/PageAlloc.AspNetCore.xml", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.EndsWith("PageAlloc.dll", StringComparison.Ordinal) && !e.EndsWith("AspNetCore.dll", StringComparison.Ordinal));
        string nuspec = new StreamReader(zip.Entries.Single(e => e.FullName == $"{Id}.nuspec").Open()).ReadToEnd();
        Assert.Contains($"<id>{Id}</id>", nuspec);
        Assert.Contains($"<dependency id=\"PageAlloc\" version=\"{version}\"", nuspec);
        Assert.Contains("<frameworkReference name=\"Microsoft.AspNetCore.App\" />", nuspec);
        Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), "no symbols package");
    }

    [Fact]
    public void A_fresh_web_app_restores_the_package_from_a_local_feed_and_serves_a_request_on_page_pools()
    {
        string package = PackageTests.PackagePath(Id);
        string version = PackageTests.Version(package, Id);
        using var scratch = new Scratch("pagealloc-aspnetcore-package-");
        var local = new LocalFeed(scratch.Path, package, PackageTests.PackagePath());
        string feed = local.Feed, cache = local.Cache;
        (string, string) isolatedCache = local.CacheVariable;
        string app = Path.Combine(scratch.Path, "WebConsumer");

        ChildProcess.Dotnet(scratch.Path, ["new", "web", "--no-restore", "--framework", "net10.0", "--name", "WebConsumer", "--output", app], isolatedCache);
        ChildProcess.Dotnet(app, ["add", "package", Id, "--version", version, "--source", feed], isolatedCache);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "WebConsumer", "Program.cs"), Path.Combine(app, "Program.cs"), overwrite: true);
        ChildProcess.Result run = ChildProcess.Run("dotnet", app, ["run", "--configuration", "Release", "--no-launch-profile"], isolatedCache);

        Assert.True(run.ExitCode == 0, $"the web consumer exited with {run.ExitCode}:\n{run.Output}");
        Assert.Contains("web consumer: OK", run.Output);
        Assert.True(Directory.Exists(Path.Combine(cache, "pagealloc.aspnetcore", version)), "PageAlloc.AspNetCore was not restored from the feed");
        string restored = Path.Combine(cache, "pagealloc", version, "runtimes", "linux-x64", "native", "libpagealloc.so");
        Assert.True(File.Exists(restored), "PageAlloc came not with it from the feed");
    }
}
