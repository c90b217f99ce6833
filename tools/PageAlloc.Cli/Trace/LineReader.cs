// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;

namespace PageAlloc.Cli.Trace;

/// <summary>
/// Splits a stream into lines without a string per line: a reader thread fills 1 MiB buffers
/// (decompressing, when the stream does) while the caller's thread splits and consumes the
/// previous ones, so decompression and replay use both CPUs. At most <see cref="Depth"/>
/// buffers are in flight: memory stays the same however long the trace.
/// </summary>
internal static class LineReader
{
    internal const int ChunkSize = 1 << 20;
    internal const int Depth = 4;

    /// <summary>Lines longer than this are cut and reported as they are (a trace's lines are ~100 bytes).</summary>
    internal const int MaxLine = 64 << 10;

    /// <summary>Reads <paramref name="stream"/> to its end, handing each line to <paramref name="sink"/>.</summary>
    /// <param name="firstChunk">Called once with the start of the text (up to 1 MiB) before any line, to reject binary input.</param>
    /// <exception cref="IOException">Reading failed (also a corrupt compressed stream).</exception>
    public static void Read<TSink>(Stream stream, TSink sink, Action<ReadOnlySpan<byte>> firstChunk, CancellationToken cancel = default)
        where TSink : class, ILineSink
    {
        using var full = new BlockingCollection<(byte[] Buffer, int Length)>(Depth);
        using var empty = new BlockingCollection<byte[]>(Depth + 1);
        for (int i = 0; i < Depth + 1; i++)
        {
            empty.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
        }

        Exception? readError = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var reader = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    byte[] buffer = empty.Take(stop.Token);
                    int length = stream.ReadAtLeast(buffer.AsSpan(0, ChunkSize), ChunkSize, throwOnEndOfStream: false);
                    full.Add((buffer, length), stop.Token);
                    if (length < ChunkSize)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                readError = e;
            }
            finally
            {
                full.CompleteAdding();
            }
        })
        { IsBackground = true, Name = "trace reader" };
        reader.Start();

        byte[] carry = ArrayPool<byte>.Shared.Rent(MaxLine);
        int carried = 0;
        long number = 0;
        bool first = true;
        try
        {
            foreach ((byte[] buffer, int length) in full.GetConsumingEnumerable(cancel))
            {
                ReadOnlySpan<byte> chunk = buffer.AsSpan(0, length);
                if (first)
                {
                    first = false;
                    firstChunk(chunk);
                }

                while (!chunk.IsEmpty)
                {
                    int newline = chunk.IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        int take = Math.Min(chunk.Length, MaxLine - carried);
                        chunk[..take].CopyTo(carry.AsSpan(carried));
                        carried += take;
                        break;
                    }

                    number++;
                    if (carried == 0)
                    {
                        sink.OnLine(chunk[..newline], number, complete: true);
                    }
                    else
                    {
                        int take = Math.Min(newline, MaxLine - carried);
                        chunk[..take].CopyTo(carry.AsSpan(carried));
                        sink.OnLine(carry.AsSpan(0, carried + take), number, complete: true);
                        carried = 0;
                    }

                    chunk = chunk[(newline + 1)..];
                }

                empty.Add(buffer);
            }

            if (readError is not null)
            {
                throw new IOException(readError.Message, readError);
            }

            if (first)
            {
                firstChunk(default);
            }

            if (carried > 0)
            {
                sink.OnLine(carry.AsSpan(0, carried), ++number, complete: false);
            }
        }
        finally
        {
            stop.Cancel();
            reader.Join();
            ArrayPool<byte>.Shared.Return(carry);
            while (empty.TryTake(out byte[]? buffer))
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            while (full.TryTake(out var chunk))
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
            }
        }
    }
}
