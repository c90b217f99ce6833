// SPDX-License-Identifier: GPL-2.0-only
using PageAlloc.Generator.Model;

namespace PageAlloc.Generator.Emit;

/// <summary>Writes one named enum with its C enumerator names and, where C sets one, value.</summary>
internal static class EnumEmitter
{
    /// <summary>The text of the enum's file.</summary>
    public static string Emit(NativeEnum value, string headerFileName, string ns)
    {
        var writer = new CodeWriter();
        Banner.Write(writer, headerFileName);
        Banner.NoXmlDocs(writer);
        Banner.LowerCaseName(writer, value.Name);
        writer.Line()
            .Line($"namespace {ns};")
            .Line()
            .Line(value.UnderlyingType == null ? $"public enum {value.Name}" : $"public enum {value.Name} : {value.UnderlyingType}")
            .Open();
        foreach (NativeEnumerator enumerator in value.Enumerators)
        {
            string name = CSharpNames.Identifier(enumerator.Name);
            writer.Line(enumerator.Value == null ? $"{name}," : $"{name} = {enumerator.Value},");
        }

        return writer.Close().ToString();
    }
}
