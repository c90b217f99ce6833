// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Generator.Model;

/// <summary>An exported C function.</summary>
internal sealed record NativeFunction(string Name, MappedType ReturnType, IReadOnlyList<NativeParameter> Parameters, uint Offset);

/// <summary>A parameter of a <see cref="NativeFunction"/>.</summary>
internal sealed record NativeParameter(string Name, MappedType Type);
