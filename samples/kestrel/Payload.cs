// SPDX-License-Identifier: GPL-2.0-only
using System;

namespace PageAlloc.KestrelSample;

/// <summary>The bytes /bytes/{n} sends: byte i of a download is <c>i % 251</c> (a prime, so
/// that a block sent twice or out of place shows up at any block size).</summary>
public static class Payload
{
    /// <summary>The cycle length.</summary>
    public const int Period = 251;

    // 64 periods plus one: from any start within the first period, 64 periods are one slice.
    private static readonly byte[] s_pattern = MakePattern(Period * 64);

    /// <summary>Fills <paramref name="destination"/> with the download's bytes from <paramref name="offset"/>.</summary>
    public static void Fill(Span<byte> destination, long offset)
    {
        int start = (int)(offset % Period);
        int usable = s_pattern.Length - Period;
        while (!destination.IsEmpty)
        {
            int count = Math.Min(destination.Length, usable);
            s_pattern.AsSpan(start, count).CopyTo(destination);
            destination = destination[count..];
            start = (start + count) % Period;
        }
    }

    /// <summary>The index of the first byte of <paramref name="data"/> that is not the download's
    /// byte at <paramref name="offset"/> plus its index, or -1.</summary>
    public static int FindMismatch(ReadOnlySpan<byte> data, long offset)
    {
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != (byte)((offset + i) % Period))
            {
                return i;
            }
        }

        return -1;
    }

    private static byte[] MakePattern(int length)
    {
        byte[] pattern = new byte[length + Period];
        for (int i = 0; i < pattern.Length; i++)
        {
            pattern[i] = (byte)(i % Period);
        }

        return pattern;
    }
}
