// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Diagnostics;
using System.IO;

namespace PageAlloc.Generator.Clang;

/// <summary>
/// Finds the C compiler's builtin header directory (the one with stddef.h). The libclang
/// package ships no headers of its own, so clang parses with the system compiler's
/// (<c>cc -print-file-name=include</c>, else <c>gcc</c>).
/// </summary>
internal static class BuiltinIncludes
{
    /// <summary>
    /// <paramref name="overrideDirectory"/> when given, else the first compiler's answer;
    /// throws <see cref="GeneratorException"/> unless the directory holds stddef.h.
    /// </summary>
    public static string Find(string? overrideDirectory)
    {
        if (overrideDirectory != null)
        {
            return Require(overrideDirectory, "--builtin-include");
        }

        string tried = string.Empty;
        foreach (string compiler in new[] { "cc", "gcc" })
        {
            string? answer = Ask(compiler);
            if (answer != null && File.Exists(Path.Combine(answer, "stddef.h")))
            {
                return answer;
            }

            tried += $" {compiler} -print-file-name=include -> {answer ?? "(could not run)"};";
        }

        throw new GeneratorException(
            "No C compiler builtin include directory with stddef.h was found (needed so that size_t and "
            + $"friends parse as the C compiler sees them). Tried:{tried} install a C compiler or pass --builtin-include <dir>.");
    }

    private static string Require(string directory, string source)
    {
        if (!File.Exists(Path.Combine(directory, "stddef.h")))
        {
            throw new GeneratorException(
                $"The builtin include directory {directory} (from {source}) has no stddef.h; "
                + "without it clang would misread size_t and friends.");
        }

        return Path.GetFullPath(directory);
    }

    private static string? Ask(string compiler)
    {
        try
        {
            var start = new ProcessStartInfo(compiler, "-print-file-name=include")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using Process process = Process.Start(start) ?? throw new InvalidOperationException();
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}
