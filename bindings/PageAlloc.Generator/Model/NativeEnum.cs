// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Generator.Model;

/// <summary>A named C enum. <see cref="UnderlyingType"/> is null for <c>int</c>.</summary>
internal sealed record NativeEnum(string Name, string? UnderlyingType, long Size, IReadOnlyList<NativeEnumerator> Enumerators);

/// <summary>An enumerator; <see cref="Value"/> is set only where C gives one explicitly.</summary>
internal sealed record NativeEnumerator(string Name, string? Value);
