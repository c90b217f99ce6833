// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using Xunit;

namespace PageAlloc.Cli.Tests;

/// <summary>Input that cannot be replayed: one clear line on standard error and exit code 2,
/// never an exception.</summary>
public sealed class BadInputTests
{
    private static Tool.Result Replay(string trace) =>
        Tool.Run("replay", trace, "--zoneinfo", Path.Combine(Repository.Fixture, "zoneinfo.before"));

    private static void AssertOneLineError(Tool.Result result, string expected)
    {
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("pagealloc: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("Exception", result.Error + result.Output);
    }

    [Fact]
    public void A_missing_path_is_one_line_on_stderr_and_exit_code_2()
    {
        AssertOneLineError(Replay("/nonexistent/trace.txt"), "no such file or directory");
    }

    [Fact]
    public void A_directory_without_a_trace_is_one_line_and_exit_code_2()
    {
        using var scratch = new Scratch();
        AssertOneLineError(Replay(scratch.Path), "a directory without a trace");
    }

    [Fact]
    public void An_unreadable_file_is_one_line_and_exit_code_2()
    {
        // /proc/self/mem exists but cannot be read from offset 0, even by root.
        AssertOneLineError(Replay("/proc/self/mem"), "/proc/self/mem");
    }

    [Fact]
    public void A_binary_file_is_said_to_be_binary()
    {
        using var scratch = new Scratch();
        string path = scratch.File("random.bin");
        byte[] bytes = new byte[100_000];
        new Random(7).NextBytes(bytes);
        bytes[10] = 0;
        File.WriteAllBytes(path, bytes);
        AssertOneLineError(Replay(path), "binary data, not a trace");
    }

    [Fact]
    public void A_perf_data_file_is_named_with_the_command_that_turns_it_into_a_trace()
    {
        using var scratch = new Scratch();
        string path = scratch.File("perf.data");
        File.WriteAllBytes(path, [.. "PERFILE2"u8, 0, 0, 0, 0, 1, 2, 3]);
        AssertOneLineError(Replay(path), "perf script -i");
    }

    [Fact]
    public void A_corrupt_zstd_file_is_a_read_error_not_a_crash()
    {
        using var scratch = new Scratch();
        string path = scratch.File("broken.zst");
        byte[] good = new ZstdSharp.Compressor().Wrap(System.Text.Encoding.ASCII.GetBytes(string.Join('\n', Lines.Alloc(1), Lines.Free(1)) + "\n")).ToArray();
        byte[] broken = good.AsSpan(0, good.Length / 2).ToArray();
        for (int i = 8; i < broken.Length; i++)
        {
            broken[i] ^= 0x5a;
        }

        File.WriteAllBytes(path, broken);
        Tool.Result result = Replay(path);
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.StartsWith("pagealloc: ", result.Error);
    }

    [Fact]
    public void Text_without_any_trace_event_is_not_a_trace()
    {
        using var scratch = new Scratch();
        AssertOneLineError(Replay(scratch.Trace("notes.txt", ["dear diary", "today I read /proc/buddyinfo"])), "no trace events");
    }

    [Fact]
    public void A_trace_of_trace_cmd_report_is_counted_as_another_format()
    {
        using var scratch = new Scratch();
        string path = scratch.Trace("report.txt",
        [
            "cpus=2",
            "            bash-2578  [000]   231.050388: mm_page_alloc:        page=0x104ed2 pfn=0x104ed2 order=0 migratetype=0 gfp_flags=GFP_KERNEL",
            "            bash-2578  [000]   231.050390: mm_page_free:         page=0x104ed2 pfn=0x104ed2 order=0",
        ]);
        Tool.Result result = Replay(path);
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("no trace events", result.Error);
    }

    [Fact]
    public void An_unknown_pcp_model_is_refused_by_the_command_line()
    {
        Tool.Result result = Tool.Run("replay", Repository.Fixture, "--pcp-model", "5.10");
        Assert.NotEqual(0, result.ExitCode);
    }
}
