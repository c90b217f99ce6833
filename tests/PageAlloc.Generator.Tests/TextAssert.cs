// SPDX-License-Identifier: GPL-2.0-only
using System;
using Xunit.Sdk;

namespace PageAlloc.Generator.Tests;

/// <summary>Compares generated text, naming the file and the first line that differs.</summary>
internal static class TextAssert
{
    /// <summary>Fails unless <paramref name="actual"/> equals <paramref name="expected"/> exactly.</summary>
    public static void Same(string expected, string actual, string label)
    {
        if (expected == actual)
        {
            return;
        }

        string[] expectedLines = expected.Split('\n');
        string[] actualLines = actual.Split('\n');
        int line = 0;
        while (line < expectedLines.Length && line < actualLines.Length && expectedLines[line] == actualLines[line])
        {
            line++;
        }

        string Show(string[] lines) => line < lines.Length ? $"'{lines[line]}'" : "(end of file)";
        throw new XunitException(
            $"{label} differs at line {line + 1}:{Environment.NewLine}"
            + $"  expected: {Show(expectedLines)}{Environment.NewLine}"
            + $"  actual:   {Show(actualLines)}");
    }
}
