// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers.Text;

namespace PageAlloc.Cli.Record;

/// <summary>
/// Sums perf's LOST records in <c>perf script --show-lost-events</c> text read chunk by chunk:
/// each is a line <c>... PERF_RECORD_LOST lost N</c>, N the events the ring buffer dropped. A
/// line cut by a chunk's end is completed from the next chunk.
/// </summary>
internal sealed class LostCounter
{
    private static ReadOnlySpan<byte> Marker => "PERF_RECORD_LOST lost "u8;

    private readonly byte[] _carry = new byte[256];
    private int _carried;

    /// <summary>Events lost so far.</summary>
    public long Total { get; private set; }

    /// <summary>Adds the LOST records of the next chunk of text.</summary>
    public void Add(ReadOnlySpan<byte> chunk)
    {
        if (_carried > 0)
        {
            int end = chunk.IndexOf((byte)'\n');
            if (end < 0)
            {
                Keep(chunk);
                return;
            }

            Keep(chunk[..end]);
            Count(_carry.AsSpan(0, _carried));
            _carried = 0;
            chunk = chunk[(end + 1)..];
        }

        int last = chunk.LastIndexOf((byte)'\n');
        if (last < 0)
        {
            Keep(chunk);
            return;
        }

        Count(chunk[..(last + 1)]);
        Keep(chunk[(last + 1)..]);
    }

    /// <summary>Appends to the unfinished line, keeping its last bytes only ("PERF_RECORD_LOST lost N" ends it).</summary>
    private void Keep(ReadOnlySpan<byte> tail)
    {
        if (tail.Length >= _carry.Length)
        {
            tail[^_carry.Length..].CopyTo(_carry);
            _carried = _carry.Length;
            return;
        }

        int drop = Math.Max(0, _carried + tail.Length - _carry.Length);
        if (drop > 0)
        {
            _carry.AsSpan(drop, _carried - drop).CopyTo(_carry);
            _carried -= drop;
        }

        tail.CopyTo(_carry.AsSpan(_carried));
        _carried += tail.Length;
    }

    private void Count(ReadOnlySpan<byte> text)
    {
        int at;
        while ((at = text.IndexOf(Marker)) >= 0)
        {
            text = text[(at + Marker.Length)..];
            if (Utf8Parser.TryParse(text, out long lost, out int used) && used > 0)
            {
                Total += lost;
                text = text[used..];
            }
        }
    }
}
