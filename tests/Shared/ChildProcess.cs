// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections;
using System.Diagnostics;
using System.IO;
using System.Text;
using Xunit;

namespace PageAlloc.Testing;

/// <summary>Runs a program to completion and captures what it printed.</summary>
internal static class ChildProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>The exit code and the interleaved output of one run.</summary>
    internal sealed record Result(int ExitCode, string Output);

    /// <summary>Runs <paramref name="fileName"/> in <paramref name="workingDirectory"/>; the
    /// environment is this process's less the variables a parent MSBuild or test host set
    /// (they would steer the child's own build), plus <paramref name="environment"/>.</summary>
    internal static Result Run(string fileName, string workingDirectory, string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) ||
                name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) ||
                name.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', arguments)} did not end within {Timeout}:\n{output}");
        }

        process.WaitForExit(); // flushes the asynchronous output readers
        lock (output)
        {
            return new Result(process.ExitCode, output.ToString());
        }
    }

    /// <summary>Runs dotnet and fails the test when it exits with an error.</summary>
    internal static string Dotnet(string workingDirectory, string[] arguments, params (string Name, string Value)[] environment)
    {
        Result result = Run("dotnet", workingDirectory, arguments, environment);
        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Output}");
        return result.Output;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
