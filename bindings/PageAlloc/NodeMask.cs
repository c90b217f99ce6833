// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Globalization;
using System.Numerics;
using System.Text;
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>
/// A set of node ids, 0 to <see cref="MaxNodes"/> - 1 (C <c>pa_nodemask_t</c>; the kernel's
/// <c>nodemask_t</c>). An immutable value: the methods return new masks.
/// </summary>
public readonly struct NodeMask : IEquatable<NodeMask>
{
    /// <summary>The largest number of nodes an allocator has (<c>PA_MAX_NODES</c>).</summary>
    public const int MaxNodes = Methods.PA_MAX_NODES;

    private readonly ulong _bits;

    /// <summary>A mask from its bits: bit <c>n</c> set means node <c>n</c> is in the set.</summary>
    /// <param name="bits">One bit per node.</param>
    public NodeMask(ulong bits) => _bits = bits;

    /// <summary>The empty set.</summary>
    public static NodeMask Empty => default;

    /// <summary>Every node id, 0 to <see cref="MaxNodes"/> - 1.</summary>
    public static NodeMask All => new(ulong.MaxValue);

    /// <summary>One bit per node: bit <c>n</c> set means node <c>n</c> is in the set.</summary>
    public ulong Bits => _bits;

    /// <summary>The number of nodes in the set.</summary>
    public int Count => BitOperations.PopCount(_bits);

    /// <summary>Whether the set is empty.</summary>
    public bool IsEmpty => _bits == 0;

    /// <summary>The set of the given nodes.</summary>
    /// <param name="nodes">Node ids, 0 to <see cref="MaxNodes"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A node id is out of range.</exception>
    public static NodeMask Of(params ReadOnlySpan<int> nodes)
    {
        ulong bits = 0;
        foreach (int node in nodes)
        {
            bits |= Bit(node);
        }

        return new NodeMask(bits);
    }

    /// <summary>The nodes 0 to <paramref name="count"/> - 1.</summary>
    /// <param name="count">How many nodes, 0 to <see cref="MaxNodes"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is out of range.</exception>
    public static NodeMask FirstNodes(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxNodes);
        return new NodeMask(count == MaxNodes ? ulong.MaxValue : (1UL << count) - 1);
    }

    /// <summary>Whether <paramref name="node"/> is in the set.</summary>
    /// <param name="node">A node id, 0 to <see cref="MaxNodes"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="node"/> is out of range.</exception>
    public bool Contains(int node) => (_bits & Bit(node)) != 0;

    /// <summary>This set with <paramref name="node"/> added.</summary>
    /// <param name="node">A node id, 0 to <see cref="MaxNodes"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="node"/> is out of range.</exception>
    public NodeMask With(int node) => new(_bits | Bit(node));

    /// <summary>This set with <paramref name="node"/> removed.</summary>
    /// <param name="node">A node id, 0 to <see cref="MaxNodes"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="node"/> is out of range.</exception>
    public NodeMask Without(int node) => new(_bits & ~Bit(node));

    /// <summary>The union of two sets.</summary>
    /// <param name="left">A set.</param>
    /// <param name="right">A set.</param>
    public static NodeMask operator |(NodeMask left, NodeMask right) => new(left._bits | right._bits);

    /// <summary>The intersection of two sets.</summary>
    /// <param name="left">A set.</param>
    /// <param name="right">A set.</param>
    public static NodeMask operator &(NodeMask left, NodeMask right) => new(left._bits & right._bits);

    /// <summary>Whether two sets hold the same nodes.</summary>
    /// <param name="left">A set.</param>
    /// <param name="right">A set.</param>
    public static bool operator ==(NodeMask left, NodeMask right) => left._bits == right._bits;

    /// <summary>Whether two sets differ.</summary>
    /// <param name="left">A set.</param>
    /// <param name="right">A set.</param>
    public static bool operator !=(NodeMask left, NodeMask right) => left._bits != right._bits;

    /// <inheritdoc/>
    public bool Equals(NodeMask other) => _bits == other._bits;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NodeMask other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _bits.GetHashCode();

    /// <summary>The node ids in braces, as <c>{0,2}</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("{");
        ulong bits = _bits;
        bool first = true;
        while (bits != 0)
        {
            int node = BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            if (!first)
            {
                text.Append(',');
            }

            text.Append(node.ToString(CultureInfo.InvariantCulture));
            first = false;
        }

        return text.Append('}').ToString();
    }

    internal unsafe pa_nodemask_t ToNative()
    {
        pa_nodemask_t mask = default;
        mask.bits[0] = _bits;
        return mask;
    }

    private static ulong Bit(int node)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(node, MaxNodes);
        return 1UL << node;
    }
}
