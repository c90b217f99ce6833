// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.CommandLine;
using PageAlloc.Cli.Replay;
using Spectre.Console;

namespace PageAlloc.Cli;

/// <summary>pagealloc: record, zoneinfo, replay (docs/TRACING.md, "The pagealloc tool").</summary>
internal static class Program
{
    public static int Main(string[] args) => Build(AnsiConsole.Console, Console.Error).Parse(args).Invoke();

    internal static RootCommand Build(IAnsiConsole console, System.IO.TextWriter error)
    {
        var root = new RootCommand("pagealloc: record a kmem trace of this machine, compare its zoneinfo with the PageAlloc library's model, replay a trace through the library.");
        root.Subcommands.Add(RecordCommand(console, error));
        root.Subcommands.Add(ZoneinfoCommand(console, error));
        root.Subcommands.Add(ReplayCommand(console, error));
        return root;
    }

    private static Command ReplayCommand(IAnsiConsole console, System.IO.TextWriter error)
    {
        var trace = new Argument<string>("TRACE") { Description = "A bundle directory (from pagealloc record) or a trace file: perf script text, .txt, .gz or .zst." };
        var zoneinfo = new Option<string?>("--zoneinfo") { Description = "The zoneinfo to shape the allocator from (default: the bundle's zoneinfo.before, else /proc/zoneinfo)." };
        var buddyinfo = new Option<string?>("--buddyinfo") { Description = "The buddyinfo to seed the free blocks from (default: the bundle's buddyinfo.before; none: all memory free)." };
        var minFree = new Option<long?>("--min-free-kbytes") { Description = "min_free_kbytes (default: the bundle's, else the kernel's formula)." };
        var model = new Option<string?>("--pcp-model") { Description = "The kernel whose pcp rules to replay with: 6.6 (fixed high and batch) or 6.18 (auto-tuned). Default: the zoneinfo's kernel (6.18 when it shows high_min and high_max)." };
        model.AcceptOnlyFromAmong(Replay.ReplayCommand.PcpModels);
        var json = new Option<string?>("--json") { Description = "Write the JSON summary here." };
        var csv = new Option<string?>("--csv") { Description = "Write the samples over trace time here (CSV)." };
        var plot = new Option<string?>("--plot") { Description = "Write the plot here (PNG)." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress bar." };
        var command = new Command("replay", "Replay a kernel trace through an allocator shaped and seeded like the machine that recorded it.")
        {
            trace, zoneinfo, buddyinfo, minFree, model, json, csv, plot, quiet,
        };
        command.SetAction(result => Replay.ReplayCommand.Run(
            new Replay.ReplayCommand.Arguments(result.GetValue(trace)!, result.GetValue(zoneinfo), result.GetValue(buddyinfo),
                result.GetValue(minFree), result.GetValue(model), result.GetValue(json), result.GetValue(csv), result.GetValue(plot),
                result.GetValue(quiet)),
            console, error));
        return command;
    }

    private static Command ZoneinfoCommand(IAnsiConsole console, System.IO.TextWriter error)
    {
        var file = new Argument<string>("FILE") { Description = "A /proc/zoneinfo text (default: /proc/zoneinfo).", DefaultValueFactory = _ => "/proc/zoneinfo" };
        var command = new Command("zoneinfo", "Build an allocator shaped like the machine that wrote FILE and print its numbers beside the host's, marking each difference.")
        {
            file,
        };
        command.SetAction(result => Host.ZoneinfoCommand.Run(result.GetValue(file)!, console, error));
        return command;
    }

    private static Command RecordCommand(IAnsiConsole console, System.IO.TextWriter error)
    {
        var seconds = new Option<int>("--seconds") { Description = "How long to record.", DefaultValueFactory = _ => 5 };
        var output = new Option<string>("--out") { Description = "The bundle directory to write.", DefaultValueFactory = _ => $"trace-{DateTime.UtcNow:yyyyMMdd-HHmmss}" };
        var workload = new Argument<string[]>("COMMAND")
        {
            Description = "A command to run for the length of the recording (after --, as perf record -- CMD); without one, --seconds.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("record", "Record the kmem page events of this machine with perf (as root) into a bundle: trace.txt.zst, zoneinfo, buddyinfo, pagetypeinfo, sysctls, and the pcp resets at its start and end.")
        {
            seconds, output, workload,
        };
        command.SetAction(result => Record.Recorder.Run(result.GetValue(seconds), result.GetValue(output)!, result.GetValue(workload) ?? [], console, error));
        return command;
    }
}
