// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PageAlloc.Generator.Clang;

/// <summary>Reading cursors: their children (through clang_visitChildren), names and places.</summary>
internal static unsafe class Cursors
{
    /// <summary>The direct children of <paramref name="parent"/>, in source order.</summary>
    public static List<CXCursor> Children(CXCursor parent)
    {
        var children = new List<CXCursor>();
        GCHandle handle = GCHandle.Alloc(children);
        try
        {
            LibClang.clang_visitChildren(parent, &CollectChild, (void*)GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }

        return children;
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static int CollectChild(CXCursor cursor, CXCursor parent, void* clientData)
    {
        var children = (List<CXCursor>)GCHandle.FromIntPtr((nint)clientData).Target!;
        children.Add(cursor);
        return 1; // CXChildVisit_Continue
    }

    /// <summary>The cursor's name (clang_getCursorSpelling).</summary>
    public static string Spelling(CXCursor cursor) => LibClang.ToManaged(LibClang.clang_getCursorSpelling(cursor));

    /// <summary>Whether the cursor was declared in the translation unit's main file.</summary>
    public static bool IsFromMainFile(CXCursor cursor) =>
        LibClang.clang_Location_isFromMainFile(LibClang.clang_getCursorLocation(cursor)) != 0;

    /// <summary>The byte offset of the cursor's location in its file, used to keep source order.</summary>
    public static uint Offset(CXCursor cursor) => Offset(LibClang.clang_getCursorLocation(cursor));

    /// <summary>The byte offset of <paramref name="location"/> in its file.</summary>
    public static uint Offset(CXSourceLocation location)
    {
        uint line, column, offset;
        LibClang.clang_getSpellingLocation(location, null, &line, &column, &offset);
        return offset;
    }

    /// <summary>The 1-based line of <paramref name="location"/>.</summary>
    public static uint Line(CXSourceLocation location)
    {
        uint line, column, offset;
        LibClang.clang_getSpellingLocation(location, null, &line, &column, &offset);
        return line;
    }

    /// <summary>
    /// Whether a tag (struct, union, enum) declaration has no name of its own; such a tag is
    /// named by the typedef that declares it, if any.
    /// </summary>
    public static bool IsAnonymousTag(CXCursor cursor)
    {
        string spelling = Spelling(cursor);
        return spelling.Length == 0 || spelling.Contains("(unnamed", System.StringComparison.Ordinal)
            || spelling.Contains("(anonymous", System.StringComparison.Ordinal);
    }

    /// <summary>A key that identifies a declaration within its file: its offset.</summary>
    public static uint DeclarationKey(CXCursor cursor) => Offset(cursor);
}
