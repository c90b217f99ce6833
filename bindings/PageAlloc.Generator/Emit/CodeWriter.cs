// SPDX-License-Identifier: GPL-2.0-only
using System.Text;

namespace PageAlloc.Generator.Emit;

/// <summary>Builds C# text with four-space indentation and <c>\n</c> line ends, whatever the OS.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder text = new();
    private int depth;

    /// <summary>Writes one line at the current indentation (an empty line has no indentation).</summary>
    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            text.Append(' ', depth * 4).Append(line);
        }

        text.Append('\n');
        return this;
    }

    /// <summary>Writes <c>{</c> and indents.</summary>
    public CodeWriter Open()
    {
        Line("{");
        depth++;
        return this;
    }

    /// <summary>Unindents and writes <c>}</c>.</summary>
    public CodeWriter Close()
    {
        depth--;
        return Line("}");
    }

    /// <summary>The text written so far.</summary>
    public override string ToString() => text.ToString();
}
