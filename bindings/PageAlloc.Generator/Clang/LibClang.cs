// SPDX-License-Identifier: GPL-2.0-only
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace PageAlloc.Generator.Clang;

/// <summary>
/// The part of libclang's C API (clang-c/Index.h) the generator uses, declared by hand: the
/// generator is the tool that would otherwise produce such declarations. The native library
/// comes from the libclang.runtime.linux-x64 package; <see cref="LibClangResolver"/> finds it.
/// </summary>
internal static unsafe partial class LibClang
{
    private const string Library = "libclang";

    static LibClang() => LibClangResolver.Register(typeof(LibClang).Assembly);

    /// <summary>Copies a libclang string into a managed one and releases it.</summary>
    public static string ToManaged(CXString value)
    {
        try
        {
            sbyte* text = clang_getCString(value);
            return text == null ? string.Empty : new string(text, 0, Strlen(text), Encoding.UTF8);
        }
        finally
        {
            clang_disposeString(value);
        }
    }

    private static int Strlen(sbyte* text)
    {
        int length = 0;
        while (text[length] != 0)
        {
            length++;
        }

        return length;
    }

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial sbyte* clang_getCString(CXString value);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial void clang_disposeString(CXString value);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial nint clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial void clang_disposeIndex(nint index);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial int clang_parseTranslationUnit2(
        nint index, sbyte* sourceFilename, sbyte** commandLineArgs, int numCommandLineArgs,
        CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, uint options, nint* translationUnit);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial void clang_disposeTranslationUnit(nint translationUnit);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial uint clang_getNumDiagnostics(nint translationUnit);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial nint clang_getDiagnostic(nint translationUnit, uint index);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial int clang_getDiagnosticSeverity(nint diagnostic);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXString clang_formatDiagnostic(nint diagnostic, uint options);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial uint clang_defaultDiagnosticDisplayOptions();

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial void clang_disposeDiagnostic(nint diagnostic);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXSourceLocation clang_getDiagnosticLocation(nint diagnostic);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial void clang_getExpansionLocation(
        CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXCursor clang_getTranslationUnitCursor(nint translationUnit);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial uint clang_visitChildren(
        CXCursor parent, delegate* unmanaged[Cdecl]<CXCursor, CXCursor, void*, int> visitor, void* clientData);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial int clang_getCursorKind(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXString clang_getCursorSpelling(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_getCursorType(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_getCursorResultType(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXSourceRange clang_getCursorExtent(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial int clang_Location_isFromMainFile(CXSourceLocation location);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial void clang_getSpellingLocation(
        CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXString clang_getFileName(nint file);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXSourceLocation clang_getRangeStart(CXSourceRange range);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXSourceLocation clang_getRangeEnd(CXSourceRange range);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial uint clang_isCursorDefinition(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXCursor clang_getCursorDefinition(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial int clang_Cursor_isNull(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial uint clang_Cursor_isAnonymous(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial uint clang_Cursor_isBitField(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial int clang_Cursor_getStorageClass(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial long clang_Cursor_getOffsetOfField(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial int clang_Cursor_getNumArguments(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXString clang_getTypeSpelling(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_getCanonicalType(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_getPointeeType(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_Type_getNamedType(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_Type_getModifiedType(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXCursor clang_getTypeDeclaration(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXString clang_getTypedefName(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_getResultType(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial int clang_getNumArgTypes(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_getArgType(CXType type, uint index);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial uint clang_isFunctionTypeVariadic(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial long clang_Type_getSizeOf(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial long clang_Type_getAlignOf(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_getArrayElementType(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial long clang_getArraySize(CXType type);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXType clang_getEnumDeclIntegerType(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial long clang_getEnumConstantDeclValue(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial ulong clang_getEnumConstantDeclUnsignedValue(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial nint clang_Cursor_Evaluate(CXCursor cursor);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial int clang_EvalResult_getKind(nint result);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial uint clang_EvalResult_isUnsignedInt(nint result);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial ulong clang_EvalResult_getAsUnsigned(nint result);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial long clang_EvalResult_getAsLongLong(nint result);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial double clang_EvalResult_getAsDouble(nint result);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial void clang_EvalResult_dispose(nint result);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial void clang_tokenize(nint translationUnit, CXSourceRange range, CXToken** tokens, uint* count);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial void clang_disposeTokens(nint translationUnit, CXToken* tokens, uint count);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXString clang_getTokenSpelling(nint translationUnit, CXToken token);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial CXSourceRange clang_getTokenExtent(nint translationUnit, CXToken token);

    [LibraryImport(Library), UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]
    public static partial int clang_getTokenKind(CXToken token);
}
