// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace PageAlloc.Generator.Clang;

/// <summary>
/// A C file parsed by libclang. Parsing fails (with <see cref="GeneratorException"/>) on any
/// error or fatal diagnostic: a header that clang could not read completely would otherwise
/// yield bindings with silently wrong types (size_t as int when stddef.h is missing).
/// </summary>
internal sealed unsafe class TranslationUnit : IDisposable
{
    /// <summary>CXTranslationUnit_DetailedPreprocessingRecord: keep macro definitions as cursors.</summary>
    public const uint DetailedPreprocessingRecord = 0x01;

    private readonly nint index;

    private TranslationUnit(nint index, nint handle)
    {
        this.index = index;
        Handle = handle;
    }

    /// <summary>The CXTranslationUnit.</summary>
    public nint Handle { get; private set; }

    /// <summary>The root cursor, whose children are the file's top-level declarations.</summary>
    public CXCursor Cursor => LibClang.clang_getTranslationUnitCursor(Handle);

    /// <summary>
    /// Parses <paramref name="path"/> (read from <paramref name="unsavedContents"/> when given)
    /// with <paramref name="arguments"/>. <paramref name="describeLine"/> may name what a line of
    /// the main file stands for in error messages, and <paramref name="displayName"/> what the
    /// file is, when not <paramref name="path"/>.
    /// </summary>
    public static TranslationUnit Parse(string path, IReadOnlyList<string> arguments, uint options,
        string? unsavedContents = null, Func<uint, string?>? describeLine = null, string? displayName = null)
    {
        nint index = LibClang.clang_createIndex(0, 0);
        var pinned = new List<GCHandle>();
        try
        {
            byte[] pathBytes = Utf8Z(path);
            pinned.Add(GCHandle.Alloc(pathBytes, GCHandleType.Pinned));
            var argv = new nint[arguments.Count];
            for (int i = 0; i < arguments.Count; i++)
            {
                byte[] arg = Utf8Z(arguments[i]);
                GCHandle h = GCHandle.Alloc(arg, GCHandleType.Pinned);
                pinned.Add(h);
                argv[i] = h.AddrOfPinnedObject();
            }

            var unsaved = new CXUnsavedFile();
            uint unsavedCount = 0;
            if (unsavedContents != null)
            {
                byte[] contents = Encoding.UTF8.GetBytes(unsavedContents);
                GCHandle h = GCHandle.Alloc(contents, GCHandleType.Pinned);
                pinned.Add(h);
                unsaved.Filename = (sbyte*)pinned[0].AddrOfPinnedObject();
                unsaved.Contents = (sbyte*)h.AddrOfPinnedObject();
                unsaved.Length = (nuint)contents.Length;
                unsavedCount = 1;
            }

            nint handle;
            int error;
            fixed (nint* args = argv)
            {
                error = LibClang.clang_parseTranslationUnit2(index, (sbyte*)pinned[0].AddrOfPinnedObject(),
                    (sbyte**)args, argv.Length, &unsaved, unsavedCount, options, &handle);
            }

            if (error != 0 || handle == 0)
            {
                throw new GeneratorException($"libclang could not parse {path} (CXErrorCode {error}).");
            }

            var unit = new TranslationUnit(index, handle);
            index = 0;
            try
            {
                unit.ThrowOnErrors(path, displayName ?? path, describeLine);
            }
            catch
            {
                unit.Dispose();
                throw;
            }

            return unit;
        }
        finally
        {
            foreach (GCHandle h in pinned)
            {
                h.Free();
            }

            if (index != 0)
            {
                LibClang.clang_disposeIndex(index);
            }
        }
    }

    private void ThrowOnErrors(string path, string displayName, Func<uint, string?>? describeLine)
    {
        var errors = new List<string>();
        uint count = LibClang.clang_getNumDiagnostics(Handle);
        for (uint i = 0; i < count; i++)
        {
            nint diagnostic = LibClang.clang_getDiagnostic(Handle, i);
            try
            {
                int severity = LibClang.clang_getDiagnosticSeverity(diagnostic);
                if (severity == DiagnosticSeverity.Error || severity == DiagnosticSeverity.Fatal)
                {
                    string text = LibClang.ToManaged(LibClang.clang_formatDiagnostic(
                        diagnostic, LibClang.clang_defaultDiagnosticDisplayOptions()));
                    string? context = describeLine?.Invoke(ExpansionLine(diagnostic, path));
                    errors.Add(context == null ? text : $"{context}: {text}");
                }
            }
            finally
            {
                LibClang.clang_disposeDiagnostic(diagnostic);
            }
        }

        if (errors.Count > 0)
        {
            throw new GeneratorException(
                $"clang reported {errors.Count} error(s) parsing {displayName}; no bindings were written:"
                + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)));
        }
    }

    // The line of the main file where the diagnostic's location was expanded (for an error inside
    // a macro's body, the line that used the macro); 0 when it is not in the main file.
    private static uint ExpansionLine(nint diagnostic, string path)
    {
        nint file;
        uint line, column, offset;
        LibClang.clang_getExpansionLocation(LibClang.clang_getDiagnosticLocation(diagnostic), &file, &line, &column, &offset);
        return file != 0 && LibClang.ToManaged(LibClang.clang_getFileName(file)) == path ? line : 0;
    }

    private static byte[] Utf8Z(string text)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
        return bytes;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Handle != 0)
        {
            LibClang.clang_disposeTranslationUnit(Handle);
            Handle = 0;
            LibClang.clang_disposeIndex(index);
        }
    }
}
