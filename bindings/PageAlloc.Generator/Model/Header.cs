// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Generator.Model;

/// <summary>Everything a header declares that gets a binding.</summary>
/// <param name="FileName">The header's file name, for the generated files' banner.</param>
/// <param name="Functions">Functions, in source order.</param>
/// <param name="Constants">Constants, in source order.</param>
/// <param name="Structs">Structs, in source order.</param>
/// <param name="Enums">Named enums, in source order.</param>
internal sealed record Header(
    string FileName,
    IReadOnlyList<NativeFunction> Functions,
    IReadOnlyList<NativeConstant> Constants,
    IReadOnlyList<NativeStruct> Structs,
    IReadOnlyList<NativeEnum> Enums);
