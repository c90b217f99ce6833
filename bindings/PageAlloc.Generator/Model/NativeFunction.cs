// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Generator.Model;

/// <summary>An exported C function.</summary>
/// <param name="Name">The C name.</param>
/// <param name="ReturnType">The return type.</param>
/// <param name="Parameters">The parameters, in order.</param>
/// <param name="Offset">Where it is declared, to keep source order.</param>
/// <param name="Leaf">Whether the header marks it a leaf (<c>annotate("pa_leaf")</c>): it neither
/// blocks nor calls back, so its binding may skip the GC transition.</param>
internal sealed record NativeFunction(string Name, MappedType ReturnType, IReadOnlyList<NativeParameter> Parameters, uint Offset, bool Leaf);

/// <summary>A parameter of a <see cref="NativeFunction"/>.</summary>
internal sealed record NativeParameter(string Name, MappedType Type);
