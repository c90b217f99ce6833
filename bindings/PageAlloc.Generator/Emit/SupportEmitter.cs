// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Generator.Emit;

/// <summary>The files every binding set needs besides the declarations.</summary>
internal static class SupportEmitter
{
    /// <summary>The file that turns off runtime marshalling for the assembly.</summary>
    public const string DisableRuntimeMarshallingFile = "DisableRuntimeMarshalling.cs";

    /// <summary>The file that declares <c>NativeTypeNameAttribute</c>.</summary>
    public const string NativeTypeNameFile = "NativeTypeNameAttribute.cs";

    /// <summary>
    /// <c>[assembly: DisableRuntimeMarshalling]</c>: every signature is blittable, so calls
    /// go straight to native code with nothing marshalled.
    /// </summary>
    public static string DisableRuntimeMarshalling(string headerFileName)
    {
        var writer = new CodeWriter();
        Banner.Write(writer, headerFileName);
        return writer.Line()
            .Line("[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]")
            .ToString();
    }

    /// <summary>The attribute that carries a declaration's C spelling.</summary>
    public static string NativeTypeNameAttribute(string headerFileName, string ns)
    {
        var writer = new CodeWriter();
        Banner.Write(writer, headerFileName);
        return writer.Line()
            .Line("using System;")
            .Line()
            .Line($"namespace {ns};")
            .Line()
            .Line("/// <summary>The C spelling of a type, or the C definition of a constant, where C# spells it differently.</summary>")
            .Line("[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter | AttributeTargets.ReturnValue, AllowMultiple = false, Inherited = true)]")
            .Line("public sealed class NativeTypeNameAttribute : Attribute")
            .Open()
            .Line("/// <summary>Records <paramref name=\"name\"/>, the C spelling.</summary>")
            .Line("public NativeTypeNameAttribute(string name)")
            .Open()
            .Line("Name = name;")
            .Close()
            .Line()
            .Line("/// <summary>The C spelling, e.g. <c>const struct pa_config *</c> or <c>#define PA_GFP_DMA 0x00000001u</c>.</summary>")
            .Line("public string Name { get; }")
            .Close()
            .ToString();
    }
}
