// SPDX-License-Identifier: GPL-2.0-only
using ScottPlot;

namespace PageAlloc.BenchReport;

/// <summary>The font every chart of this writer uses (bench-batch.png, load.png).</summary>
internal static class ChartFont
{
    public const string Name = "BenchFont";

    /// <summary>Loads the font from a file and makes it the default. SkiaSharp's no-dependencies
    /// native build has no fontconfig, so a family name alone finds no font on a bare machine.</summary>
    public static void Use(string fontFile)
    {
        Fonts.AddFontFile(Name, fontFile);
        Fonts.Default = Name;
    }
}
