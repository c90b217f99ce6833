// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using PageAlloc.Testing;
using Xunit;

namespace PageAlloc.Shipping.Tests;

/// <summary>samples/csharp publishes with Native AOT without a trimming or AOT warning, and the
/// native binary runs.</summary>
public sealed class AotSampleTests
{
    [Fact]
    public void The_sample_publishes_with_native_AOT_without_warnings_and_the_binary_runs()
    {
        using var scratch = new Scratch("pagealloc-aot-");
        string project = Path.Combine(Repository.Root, "samples", "csharp", "PageAlloc.Sample.csproj");
        string publish = ChildProcess.Dotnet(Repository.Root,
            ["publish", project, "--configuration", "Release", "--runtime", "linux-x64", "--output", scratch.Path]);
        Assert.DoesNotContain("warning", publish, StringComparison.OrdinalIgnoreCase);

        string binary = Path.Combine(scratch.Path, "pagealloc-sample");
        Assert.True(File.Exists(binary), $"no native binary {binary}:\n{publish}");
        Assert.False(File.Exists(Path.Combine(scratch.Path, "pagealloc-sample.dll")), "the output is an IL app, not a native one");
        byte[] header = new byte[4];
        using (FileStream stream = File.OpenRead(binary))
        {
            stream.ReadExactly(header);
        }

        Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, header);
        Assert.True(File.Exists(Path.Combine(scratch.Path, "libpagealloc.so")), "libpagealloc.so is not next to the binary");

        ChildProcess.Result run = ChildProcess.Run(binary, scratch.Path, []);
        Assert.True(run.ExitCode == 0, $"the AOT sample exited with {run.ExitCode}:\n{run.Output}");
        Assert.Contains("sample: all checks passed", run.Output);
        Assert.DoesNotContain("FAILED", run.Output);
        Assert.Contains("[ok] Split(16) cut the list in two without copying", run.Output);
        Assert.Contains("[ok] every page came back", run.Output);
    }
}
