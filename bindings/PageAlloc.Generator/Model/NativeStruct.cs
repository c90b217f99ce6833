// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Generator.Model;

/// <summary>A C struct: opaque (declared, never defined) or with its fields and clang's layout.</summary>
internal sealed record NativeStruct(string Name, bool IsOpaque, long Size, IReadOnlyList<NativeField> Fields);

/// <summary>How a field is stored in C#.</summary>
internal enum FieldStorage
{
    /// <summary>A plain field.</summary>
    Plain,

    /// <summary>An array of a primitive: a <c>fixed</c> buffer, flattened.</summary>
    Fixed,

    /// <summary>An array of anything else: an <c>[InlineArray]</c> struct, flattened.</summary>
    InlineArray,
}

/// <summary>
/// A field of a <see cref="NativeStruct"/>. For an array, <see cref="Type"/>'s C# spelling is the
/// element's and <see cref="Dimensions"/> holds the C dimensions; <see cref="Offset"/> and
/// <see cref="Size"/> are in bytes, as clang computed them.
/// </summary>
internal sealed record NativeField(string Name, MappedType Type, FieldStorage Storage, IReadOnlyList<long> Dimensions, long Offset, long Size)
{
    /// <summary>The number of elements of an array field (1 for a plain field).</summary>
    public long Length
    {
        get
        {
            long length = 1;
            foreach (long dimension in Dimensions)
            {
                length *= dimension;
            }

            return length;
        }
    }
}
