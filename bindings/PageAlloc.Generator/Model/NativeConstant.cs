// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Generator.Model;

/// <summary>
/// A constant: a <c>#define</c> or an enumerator of an anonymous enum, with the value and type
/// clang evaluated. <see cref="NativeTypeName"/> is the C definition for a macro, else null.
/// </summary>
internal sealed record NativeConstant(string Name, string Type, string Literal, string? NativeTypeName, uint Offset);
