// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.IO;
using System.IO.Compression;
using ZstdSharp;

namespace PageAlloc.Cli.Trace;

/// <summary>
/// Opens a trace: a bundle directory (its <c>trace.txt.zst</c>, <c>trace.txt.gz</c> or
/// <c>trace.txt</c>) or a file, decompressed by its content (zstd and gzip magic numbers), not
/// its name. zstd is decoded in process by ZstdSharp (a managed port of the reference zstd),
/// gzip by System.IO.Compression.
/// </summary>
internal sealed class TraceInput : IDisposable
{
    /// <summary>Trace file names a bundle may hold, in the order they are looked for.</summary>
    internal static readonly string[] BundleTraceNames = ["trace.txt.zst", "trace.txt.gz", "trace.txt"];

    private readonly FileStream _file;

    private TraceInput(string path, FileStream file, Stream text, string compression)
    {
        Path = path;
        _file = file;
        Text = text;
        Compression = compression;
    }

    /// <summary>The trace file opened.</summary>
    public string Path { get; }

    /// <summary>The decompressed text.</summary>
    public Stream Text { get; }

    /// <summary>"zstd", "gzip" or "none".</summary>
    public string Compression { get; }

    /// <summary>Bytes of the file (compressed), for progress.</summary>
    public long FileLength => _file.Length;

    /// <summary>Bytes of the file read so far (compressed), for progress.</summary>
    public long FilePosition => _file.Position;

    /// <summary>The trace file of <paramref name="path"/>: the path itself, or a bundle's trace.</summary>
    /// <exception cref="TraceInputException">Nothing readable there.</exception>
    public static string Resolve(string path)
    {
        if (Directory.Exists(path))
        {
            foreach (string name in BundleTraceNames)
            {
                string candidate = System.IO.Path.Combine(path, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new TraceInputException($"{path}: a directory without a trace ({string.Join(", ", BundleTraceNames)}).");
        }

        if (!File.Exists(path))
        {
            throw new TraceInputException($"{path}: no such file or directory.");
        }

        return path;
    }

    /// <summary>Opens <paramref name="path"/> (a file or a bundle directory).</summary>
    /// <param name="path">The file or bundle.</param>
    /// <param name="zstd">A decompressor to decode zstd with, kept open: a second read of the
    /// same trace reuses the buffers the first one wrote (its window, 4 MiB for a recorded
    /// trace) rather than fault in new ones. Null: one of the trace's own.</param>
    /// <exception cref="TraceInputException">The file cannot be read.</exception>
    public static TraceInput Open(string path, Decompressor? zstd = null)
    {
        string file = Resolve(path);
        FileStream stream;
        try
        {
            stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TraceInputException($"{file}: cannot be read ({e.Message})");
        }

        try
        {
            Span<byte> magic = stackalloc byte[4];
            int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
            stream.Position = 0;
            if (got == 4 && magic.SequenceEqual((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]))
            {
                Stream text = zstd is null
                    ? new DecompressionStream(stream, 1 << 20)
                    : new DecompressionStream(stream, zstd, 1 << 20, preserveDecompressor: true);
                return new TraceInput(file, stream, text, "zstd");
            }

            if (got >= 2 && magic[0] == 0x1F && magic[1] == 0x8B)
            {
                return new TraceInput(file, stream, new GZipStream(stream, CompressionMode.Decompress), "gzip");
            }

            return new TraceInput(file, stream, stream, "none");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw new TraceInputException($"{file}: cannot be read ({e.Message})");
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Text.Dispose();
        _file.Dispose();
    }
}
