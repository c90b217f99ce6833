// SPDX-License-Identifier: GPL-2.0-only
using System.IO;

namespace PageAlloc.Shipping.Tests;

/// <summary>A local folder feed of packed packages in a scratch folder, the nuget.config that
/// names it beside the sources the machine already has (user-level config), and an empty package
/// cache, so a consumer restores exactly what was packed.</summary>
internal sealed class LocalFeed
{
    internal LocalFeed(string scratch, params string[] packages)
    {
        Feed = Directory.CreateDirectory(Path.Combine(scratch, "feed")).FullName;
        foreach (string package in packages)
        {
            File.Copy(package, Path.Combine(Feed, Path.GetFileName(package)));
        }

        Cache = Path.Combine(scratch, "packages");
        File.WriteAllText(Path.Combine(scratch, "nuget.config"),
            $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="pagealloc-local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
    }

    /// <summary>The feed folder.</summary>
    internal string Feed { get; }

    /// <summary>The package cache the consumer restores into.</summary>
    internal string Cache { get; }

    /// <summary>The environment variable that points dotnet at <see cref="Cache"/>.</summary>
    internal (string Name, string Value) CacheVariable => ("NUGET_PACKAGES", Cache);
}
