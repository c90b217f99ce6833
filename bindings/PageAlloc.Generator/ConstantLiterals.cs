// SPDX-License-Identifier: GPL-2.0-only
using System.Globalization;
using PageAlloc.Generator.Clang;

namespace PageAlloc.Generator;

/// <summary>
/// Writes an evaluated constant as a C# literal of the type C gives it. Unsigned values are
/// written in hexadecimal (they are flags and masks), signed ones in decimal. <c>long</c> and
/// <c>unsigned long</c> become <c>nint</c>/<c>nuint</c> as elsewhere, unless the value does not
/// fit 32 bits, where C# allows no native-sized constant: then <c>long</c>/<c>ulong</c>.
/// </summary>
internal static class ConstantLiterals
{
    /// <summary>A signed integer constant.</summary>
    public static (string Type, string Literal) Signed(int kind, long value, string csharp)
    {
        string text = value.ToString(CultureInfo.InvariantCulture);
        return kind switch
        {
            TypeKind.Long when value is >= int.MinValue and <= int.MaxValue => ("nint", text),
            TypeKind.Long or TypeKind.LongLong => ("long", text + "L"),
            _ => (csharp, text),
        };
    }

    /// <summary>An unsigned integer constant.</summary>
    public static (string Type, string Literal) Unsigned(int kind, ulong value, string csharp)
    {
        return kind switch
        {
            TypeKind.UInt => ("uint", Hex32(value)),
            TypeKind.ULong when value <= uint.MaxValue => ("nuint", Hex32(value)),
            TypeKind.ULong or TypeKind.ULongLong => ("ulong", "0x" + value.ToString("X16", CultureInfo.InvariantCulture) + "UL"),
            TypeKind.Bool => ("bool", value != 0 ? "true" : "false"),
            _ => (csharp, value.ToString(CultureInfo.InvariantCulture)),
        };
    }

    /// <summary>A floating constant.</summary>
    public static (string Type, string Literal) Floating(int kind, double value, MacroDefinition macro)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new GeneratorException($"{macro.Definition} is not finite; write it as a C# constant by hand.");
        }

        return kind == TypeKind.Float
            ? ("float", ((float)value).ToString("R", CultureInfo.InvariantCulture) + "F")
            : ("double", value.ToString("R", CultureInfo.InvariantCulture) + "D");
    }

    private static string Hex32(ulong value) => "0x" + value.ToString("X8", CultureInfo.InvariantCulture) + "U";
}
