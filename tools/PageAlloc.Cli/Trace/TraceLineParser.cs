// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Buffers.Text;

namespace PageAlloc.Cli.Trace;

/// <summary>
/// Parses one line of <c>perf script</c> output over its UTF-8 bytes, allocating nothing:
/// <c>comm pid [cpu] seconds: kmem:mm_page_alloc: page=0x.. pfn=0x.. order=0 migratetype=1 gfp_flags=..</c>.
/// The comm may hold spaces, digits and brackets, so the header is anchored on the first
/// <c> [digits] </c> that is followed by a timestamp and a colon; the event name is the token
/// after it, the fields <c>key=value</c> pairs after that.
/// </summary>
internal sealed class TraceLineParser
{
    private static ReadOnlySpan<byte> Kmem => "kmem:"u8;
    private static ReadOnlySpan<byte> LostRecord => "PERF_RECORD_LOST lost "u8;

    private readonly GfpNames _gfp = new();

    /// <summary>Parses <paramref name="line"/> (no line break) into <paramref name="record"/>.</summary>
    public LineVerdict Parse(ReadOnlySpan<byte> line, out TraceRecord record)
    {
        record = default;
        ReadOnlySpan<byte> trimmed = line.TrimStart((byte)' ').TrimEnd("\r\t "u8);
        if (trimmed.IsEmpty || trimmed[0] == (byte)'#')
        {
            return LineVerdict.Ignored;
        }

        if (!TryHeader(line, out int cpu, out int tid, out double time, out ReadOnlySpan<byte> afterTime))
        {
            // perf script without the [cpu] column (a trace recorded without -a, or an
            // older perf's layout), or not a trace line at all.
            return MentionsPageEvent(line) ? LineVerdict.OtherFormat : LineVerdict.Garbage;
        }

        afterTime = afterTime.TrimStart((byte)' ');
        if (afterTime.StartsWith(LostRecord))
        {
            record.Cpu = cpu;
            record.Tid = tid;
            record.Time = time;
            return Utf8Parser.TryParse(afterTime[LostRecord.Length..], out record.Lost, out int used) && used > 0
                ? LineVerdict.Lost : LineVerdict.Garbage;
        }

        int colon = afterTime.IndexOf(": "u8);
        ReadOnlySpan<byte> name = colon < 0 ? afterTime.TrimEnd((byte)':') : afterTime[..colon];
        ReadOnlySpan<byte> fields = colon < 0 ? default : afterTime[(colon + 2)..];
        if (name.IsEmpty || name.IndexOf((byte)' ') >= 0)
        {
            return MentionsPageEvent(line) ? LineVerdict.OtherFormat : LineVerdict.Garbage;
        }

        record.Cpu = cpu;
        record.Tid = tid;
        record.Time = time;
        if (!name.StartsWith(Kmem))
        {
            // trace-cmd report prints the bare event name ("mm_page_alloc:"); another
            // subsystem's event ("sched:sched_switch") is an unknown event.
            return KindOf(name) != KmemEvent.Other ? LineVerdict.OtherFormat : LineVerdict.UnknownEvent;
        }

        record.Kind = KindOf(name[Kmem.Length..]);
        if (record.Kind == KmemEvent.Other)
        {
            return LineVerdict.UnknownEvent;
        }

        return ParseFields(fields, ref record);
    }

    /// <summary>Finds <c> [cpu] seconds:</c> and returns what follows the colon, and the task id
    /// before it (0 when the column is not a number).</summary>
    private static bool TryHeader(ReadOnlySpan<byte> line, out int cpu, out int tid, out double time, out ReadOnlySpan<byte> rest)
    {
        cpu = 0;
        tid = 0;
        time = 0;
        rest = default;
        int from = 0;
        while (true)
        {
            int open = line[from..].IndexOf((byte)'[');
            if (open < 0)
            {
                return false;
            }

            open += from;
            from = open + 1;
            if (open == 0 || line[open - 1] != (byte)' ')
            {
                continue;
            }

            ReadOnlySpan<byte> after = line[(open + 1)..];
            int close = after.IndexOf((byte)']');
            if (close <= 0 || !Utf8Parser.TryParse(after[..close], out cpu, out int used) || used != close || cpu < 0)
            {
                continue;
            }

            ReadOnlySpan<byte> tail = after[(close + 1)..];
            ReadOnlySpan<byte> stamp = tail.TrimStart((byte)' ');
            if (stamp.Length == tail.Length)
            {
                continue;
            }

            int end = stamp.IndexOf((byte)':');
            if (end <= 0 || !Utf8Parser.TryParse(stamp[..end], out time, out used) || used != end || stamp[0] == (byte)'-')
            {
                continue;
            }

            rest = stamp[(end + 1)..];
            ReadOnlySpan<byte> head = line[..open].TrimEnd((byte)' ');
            int space = head.LastIndexOf((byte)' ');
            _ = Utf8Parser.TryParse(head[(space + 1)..], out tid, out _);
            return true;
        }
    }

    private static KmemEvent KindOf(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("mm_page_alloc"u8) => KmemEvent.PageAlloc,
        _ when name.SequenceEqual("mm_page_free"u8) => KmemEvent.PageFree,
        _ when name.SequenceEqual("mm_page_free_batched"u8) => KmemEvent.PageFreeBatched,
        _ when name.SequenceEqual("mm_page_alloc_zone_locked"u8) => KmemEvent.PageAllocZoneLocked,
        _ when name.SequenceEqual("mm_page_pcpu_drain"u8) => KmemEvent.PagePcpuDrain,
        _ when name.SequenceEqual("mm_page_alloc_extfrag"u8) => KmemEvent.PageAllocExtfrag,
        _ => KmemEvent.Other,
    };

    private static bool MentionsPageEvent(ReadOnlySpan<byte> line) =>
        line.IndexOf("mm_page_"u8) >= 0 && line.IndexOf("pfn="u8) >= 0;

    private LineVerdict ParseFields(ReadOnlySpan<byte> fields, ref TraceRecord record)
    {
        // Which fields the event must have: a line cut short misses one.
        int need = record.Kind switch
        {
            KmemEvent.PageAlloc => Field.Page | Field.Pfn | Field.Order | Field.Migratetype | Field.Gfp,
            KmemEvent.PageFree => Field.Pfn | Field.Order,
            KmemEvent.PageFreeBatched => Field.Pfn,
            KmemEvent.PageAllocZoneLocked => Field.Pfn | Field.Order | Field.Migratetype | Field.PercpuRefill,
            KmemEvent.PagePcpuDrain => Field.Pfn | Field.Order | Field.Migratetype,
            _ => Field.Pfn | Field.AllocOrder | Field.FallbackOrder | Field.AllocMigratetype | Field.FallbackMigratetype | Field.ChangeOwnership,
        };
        int seen = 0;
        bool nilPage = false;
        while (!fields.IsEmpty)
        {
            int space = fields.IndexOf((byte)' ');
            ReadOnlySpan<byte> pair = space < 0 ? fields : fields[..space];
            fields = space < 0 ? default : fields[(space + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            int eq = pair.IndexOf((byte)'=');
            if (eq <= 0)
            {
                return LineVerdict.BadField;
            }

            ReadOnlySpan<byte> key = pair[..eq];
            ReadOnlySpan<byte> value = pair[(eq + 1)..];
            int field = FieldOf(key);
            bool ok = true;
            switch (field)
            {
                case Field.Page:
                    nilPage = value.SequenceEqual("(nil)"u8) || value.SequenceEqual("0000000000000000"u8) || value.SequenceEqual("0x0"u8);
                    ok = nilPage || value.StartsWith("0x"u8) || IsHex(value);
                    break;
                case Field.Pfn:
                    // 0x since 5.x; older kernels printed the pfn in decimal.
                    if (!value.StartsWith("0x"u8))
                    {
                        return LineVerdict.OtherFormat;
                    }

                    ok = TryHex(value[2..], out record.Pfn);
                    break;
                case Field.Order:
                case Field.AllocOrder:
                    ok = TryInt(value, out record.Order) && record.Order is >= 0 and <= 63;
                    break;
                case Field.Migratetype:
                case Field.AllocMigratetype:
                    ok = TryInt(value, out record.Migratetype);
                    break;
                case Field.Gfp:
                    ok = _gfp.TryParse(value, out record.Gfp, out record.UnknownGfpNames);
                    break;
                case Field.PercpuRefill:
                    ok = TryInt(value, out int refill) && refill is 0 or 1;
                    record.PercpuRefill = refill == 1;
                    break;
                case Field.FallbackOrder:
                    ok = TryInt(value, out record.FallbackOrder);
                    break;
                case Field.FallbackMigratetype:
                    ok = TryInt(value, out record.FallbackMigratetype);
                    break;
                case Field.ChangeOwnership:
                    ok = TryInt(value, out int change) && change is 0 or 1;
                    record.ChangeOwnership = change == 1;
                    break;
                default:
                    break; // fields we do not use (cold=, fragmenting=, pageblock_order=)
            }

            if (!ok)
            {
                return LineVerdict.BadField;
            }

            seen |= field;
        }

        if ((seen & need) != need)
        {
            return LineVerdict.BadField;
        }

        record.KernelFailed = record.Kind == KmemEvent.PageAlloc && nilPage;
        return LineVerdict.Event;
    }

    private static int FieldOf(ReadOnlySpan<byte> key) => key switch
    {
        _ when key.SequenceEqual("page"u8) => Field.Page,
        _ when key.SequenceEqual("pfn"u8) => Field.Pfn,
        _ when key.SequenceEqual("order"u8) => Field.Order,
        _ when key.SequenceEqual("migratetype"u8) => Field.Migratetype,
        _ when key.SequenceEqual("gfp_flags"u8) => Field.Gfp,
        _ when key.SequenceEqual("percpu_refill"u8) => Field.PercpuRefill,
        _ when key.SequenceEqual("alloc_order"u8) => Field.AllocOrder,
        _ when key.SequenceEqual("fallback_order"u8) => Field.FallbackOrder,
        _ when key.SequenceEqual("alloc_migratetype"u8) => Field.AllocMigratetype,
        _ when key.SequenceEqual("fallback_migratetype"u8) => Field.FallbackMigratetype,
        _ when key.SequenceEqual("change_ownership"u8) => Field.ChangeOwnership,
        _ => 0,
    };

    private static bool TryInt(ReadOnlySpan<byte> text, out int value) =>
        Utf8Parser.TryParse(text, out value, out int used) && used == text.Length;

    private static bool TryHex(ReadOnlySpan<byte> text, out long value) =>
        Utf8Parser.TryParse(text, out value, out int used, 'x') && used == text.Length && text.Length > 0;

    private static bool IsHex(ReadOnlySpan<byte> text) => !text.IsEmpty && !text.ContainsAnyExcept("0123456789abcdefABCDEF"u8);

    /// <summary>Field bits: which fields a line carried.</summary>
    private static class Field
    {
        public const int Page = 1, Pfn = 2, Order = 4, Migratetype = 8, Gfp = 16, PercpuRefill = 32,
            AllocOrder = 64, FallbackOrder = 128, AllocMigratetype = 256, FallbackMigratetype = 512, ChangeOwnership = 1024;
    }
}
