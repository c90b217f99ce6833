// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.Text;
using PageAlloc.Generator.Clang;

namespace PageAlloc.Generator;

/// <summary>An object-like macro of the header that may be a constant.</summary>
/// <param name="Name">The macro's name.</param>
/// <param name="Definition">The definition as written, white space normalised: <c>#define A 1u</c>.</param>
/// <param name="Offset">Where it is defined, to keep source order.</param>
internal sealed record MacroDefinition(string Name, string Definition, uint Offset);

/// <summary>
/// Picks the macros worth evaluating from the preprocessing record: object-like ones with a body
/// that can be an expression. Left out: function-like macros (<c>likely(x)</c>), empty ones (the
/// include guard), and bodies that start with a keyword or <c>__declspec</c> (<c>PA_API</c>'s
/// <c>__attribute__((visibility("default")))</c>).
/// </summary>
internal static unsafe class MacroDefinitions
{
    /// <summary>The candidate macro of <paramref name="cursor"/>, or null when it is not one.</summary>
    public static MacroDefinition? Read(nint translationUnit, CXCursor cursor)
    {
        if (LibClang.clang_Cursor_isMacroFunctionLike(cursor) != 0)
        {
            return null;
        }

        List<(string Spelling, int Kind, uint Start, uint End)> tokens = Tokens(translationUnit, cursor);
        if (tokens.Count < 2 || tokens[1].Kind == TokenKind.Keyword || tokens[1].Spelling == "__declspec")
        {
            return null;
        }

        var text = new StringBuilder("#define ");
        for (int i = 0; i < tokens.Count; i++)
        {
            if (i > 0 && tokens[i].Start > tokens[i - 1].End)
            {
                text.Append(' ');
            }

            text.Append(tokens[i].Spelling);
        }

        return new MacroDefinition(tokens[0].Spelling, text.ToString(), Cursors.Offset(cursor));
    }

    // The tokens of the definition: the name, then the body.
    private static List<(string Spelling, int Kind, uint Start, uint End)> Tokens(nint translationUnit, CXCursor cursor)
    {
        CXSourceRange extent = LibClang.clang_getCursorExtent(cursor);
        uint extentEnd = Cursors.Offset(LibClang.clang_getRangeEnd(extent));
        CXToken* tokens;
        uint count;
        LibClang.clang_tokenize(translationUnit, extent, &tokens, &count);
        var result = new List<(string, int, uint, uint)>();
        try
        {
            for (uint i = 0; i < count; i++)
            {
                CXSourceRange range = LibClang.clang_getTokenExtent(translationUnit, tokens[i]);
                uint start = Cursors.Offset(LibClang.clang_getRangeStart(range));
                if (start >= extentEnd)
                {
                    break;
                }

                result.Add((LibClang.ToManaged(LibClang.clang_getTokenSpelling(translationUnit, tokens[i])),
                    LibClang.clang_getTokenKind(tokens[i]), start, Cursors.Offset(LibClang.clang_getRangeEnd(range))));
            }
        }
        finally
        {
            LibClang.clang_disposeTokens(translationUnit, tokens, count);
        }

        return result;
    }
}
