// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;
using PageAlloc.Generator.Clang;
using PageAlloc.Generator.Model;

namespace PageAlloc.Generator;

/// <summary>Reads a struct's fields and the layout clang computed for it.</summary>
internal static class StructReader
{
    /// <summary>
    /// The struct <paramref name="name"/> declared by <paramref name="declaration"/>: opaque when
    /// the header never defines it.
    /// </summary>
    public static NativeStruct Read(string name, CXCursor declaration, TypeMapper mapper)
    {
        CXCursor definition = LibClang.clang_getCursorDefinition(declaration);
        if (LibClang.clang_Cursor_isNull(definition) != 0)
        {
            return new NativeStruct(name, true, 0, new List<NativeField>());
        }

        var fields = new List<NativeField>();
        foreach (CXCursor child in Cursors.Children(definition))
        {
            int kind = LibClang.clang_getCursorKind(child);
            if (kind is CursorKind.StructDecl or CursorKind.UnionDecl)
            {
                throw new GeneratorException($"struct {name}: nested struct or union declarations are not supported.");
            }

            if (kind == CursorKind.FieldDecl)
            {
                fields.Add(Field(name, child, mapper));
            }
        }

        long size = LibClang.clang_Type_getSizeOf(LibClang.clang_getCursorType(definition));
        return new NativeStruct(name, false, size, fields);
    }

    private static NativeField Field(string structName, CXCursor field, TypeMapper mapper)
    {
        string name = Cursors.Spelling(field);
        if (LibClang.clang_Cursor_isBitField(field) != 0)
        {
            throw new GeneratorException($"struct {structName}: bit-field {name} is not supported.");
        }

        long offsetBits = LibClang.clang_Cursor_getOffsetOfField(field);
        if (offsetBits < 0 || offsetBits % 8 != 0)
        {
            throw new GeneratorException($"struct {structName}: clang gives field {name} no byte offset ({offsetBits}).");
        }

        CXType type = LibClang.clang_getCursorType(field);
        long size = LibClang.clang_Type_getSizeOf(type);
        string spelling = Types.Spelling(type);
        CXType element = Types.Desugar(type);
        if (element.Kind != TypeKind.ConstantArray && LibClang.clang_getCanonicalType(type).Kind == TypeKind.ConstantArray)
        {
            element = LibClang.clang_getCanonicalType(type); // an array typedef
        }

        if (element.Kind == TypeKind.IncompleteArray)
        {
            throw new GeneratorException($"struct {structName}: flexible array member {name} is not supported.");
        }

        var dimensions = new List<long>();
        while (element.Kind == TypeKind.ConstantArray)
        {
            dimensions.Add(LibClang.clang_getArraySize(element));
            element = Types.Desugar(LibClang.clang_getArrayElementType(element));
        }

        if (dimensions.Count == 0)
        {
            return new NativeField(name, new MappedType(mapper.CSharp(type), spelling), FieldStorage.Plain, dimensions, offsetBits / 8, size);
        }

        string elementType = mapper.CSharp(element);
        FieldStorage storage = TypeMapper.IsFixedBufferElement(elementType) ? FieldStorage.Fixed : FieldStorage.InlineArray;
        return new NativeField(name, new MappedType(elementType, spelling), storage, dimensions, offsetBits / 8, size);
    }
}
