// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Cli;

/// <summary>The tool's exit codes.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>A bad command line or an option this build cannot honour.</summary>
    public const int Usage = 1;
    /// <summary>The input is unreadable or not a trace.</summary>
    public const int BadInput = 2;
    /// <summary>record: not root, or perf missing or failing.</summary>
    public const int CannotRecord = 3;
    /// <summary>record -- CMD: the bundle was written, and CMD exited with an error.</summary>
    public const int CommandFailed = 4;
}
