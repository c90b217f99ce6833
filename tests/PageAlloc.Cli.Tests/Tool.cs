// SPDX-License-Identifier: GPL-2.0-only
using System.IO;
using Spectre.Console;

namespace PageAlloc.Cli.Tests;

/// <summary>Runs the tool's command line in this process, its output captured as plain text.</summary>
internal static class Tool
{
    internal sealed record Result(int ExitCode, string Output, string Error);

    internal static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        int exit = Program.Build(console, error).Parse(args).Invoke();
        return new Result(exit, output.ToString(), error.ToString());
    }
}
