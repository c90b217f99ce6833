// SPDX-License-Identifier: GPL-2.0-only
using System.Runtime.InteropServices;

namespace PageAlloc.Generator.Clang;

// The value types of libclang's C API (clang-c/Index.h, clang-c/CXString.h), laid out as on
// Linux x64. They are passed by value to and from libclang, so their layout must be exact.

/// <summary>A string owned by libclang (CXString); read with <see cref="LibClang.ToManaged(CXString)"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXString
{
    public void* Data;
    public uint PrivateFlags;
}

/// <summary>A node of clang's AST or preprocessing record (CXCursor).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXCursor
{
    public int Kind;
    public int XData;
    public void* Data0;
    public void* Data1;
    public void* Data2;
}

/// <summary>A C type as clang sees it (CXType).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXType
{
    public int Kind;
    public void* Data0;
    public void* Data1;
}

/// <summary>A file given to clang in memory instead of on disk (CXUnsavedFile).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXUnsavedFile
{
    public sbyte* Filename;
    public sbyte* Contents;
    public nuint Length;
}

/// <summary>A position in a source file (CXSourceLocation).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceLocation
{
    public void* Ptr0;
    public void* Ptr1;
    public uint IntData;
}

/// <summary>A range of source text (CXSourceRange).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceRange
{
    public void* Ptr0;
    public void* Ptr1;
    public uint BeginIntData;
    public uint EndIntData;
}

/// <summary>One preprocessing token (CXToken).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXToken
{
    public uint Int0;
    public uint Int1;
    public uint Int2;
    public uint Int3;
    public void* PtrData;
}

/// <summary>The CXCursorKind values the generator looks at.</summary>
internal static class CursorKind
{
    public const int StructDecl = 2;
    public const int UnionDecl = 3;
    public const int EnumDecl = 5;
    public const int FieldDecl = 6;
    public const int EnumConstantDecl = 7;
    public const int FunctionDecl = 8;
    public const int VarDecl = 9;
    public const int TypedefDecl = 20;
    public const int AnnotateAttr = 406;
    public const int MacroDefinition = 501;
}

/// <summary>The CXTypeKind values the generator maps.</summary>
internal static class TypeKind
{
    public const int Invalid = 0;
    public const int Unexposed = 1;
    public const int Void = 2;
    public const int Bool = 3;
    public const int CharU = 4;
    public const int UChar = 5;
    public const int UShort = 8;
    public const int UInt = 9;
    public const int ULong = 10;
    public const int ULongLong = 11;
    public const int CharS = 13;
    public const int SChar = 14;
    public const int Short = 16;
    public const int Int = 17;
    public const int Long = 18;
    public const int LongLong = 19;
    public const int Float = 21;
    public const int Double = 22;
    public const int Pointer = 101;
    public const int Record = 105;
    public const int Enum = 106;
    public const int Typedef = 107;
    public const int FunctionNoProto = 110;
    public const int FunctionProto = 111;
    public const int ConstantArray = 112;
    public const int IncompleteArray = 114;
    public const int Elaborated = 119;
    public const int Attributed = 163;
}

/// <summary>CXDiagnosticSeverity.</summary>
internal static class DiagnosticSeverity
{
    public const int Error = 3;
    public const int Fatal = 4;
}

/// <summary>CXEvalResultKind.</summary>
internal static class EvalResultKind
{
    public const int Int = 1;
    public const int Float = 2;
}

/// <summary>CXTokenKind.</summary>
internal static class TokenKind
{
    public const int Keyword = 1;
}
