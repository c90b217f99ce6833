// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using PageAlloc.Cli.Replay;
using PageAlloc.Cli.Trace;

namespace PageAlloc.Cli.Output;

/// <summary>The JSON summary of a replay, with the fields docs/TRACING.md lists and more.</summary>
internal static class SummaryJson
{
    public static void Write(ReplayResult result, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        Replayer r = result.Replayer;
        json.WriteStartObject();
        json.WriteString("trace", result.TracePath);
        json.WriteString("compression", result.Compression);
        // "reset": the pcp lists started empty at the end of the bundle's first pcp reset and
        // the counts below are between its resets; "inferred": from zoneinfo.before, whole trace.
        json.WriteString("start", r.Plan is null ? "inferred" : "reset");
        json.WriteNumber("lost_events", r.LostEvents);
        WriteNullable(json, "recorded_lost_events", result.RecordedLostEvents);
        json.WriteNumber("inferred_bulk_allocs", r.InferredBulkAllocs);

        json.WriteStartObject("events");
        json.WriteNumber("read", r.Events.Read);
        json.WriteNumber("mm_page_alloc", r.Events[KmemEvent.PageAlloc]);
        json.WriteNumber("mm_page_free", r.Events[KmemEvent.PageFree]);
        json.WriteNumber("mm_page_free_batched", r.Events[KmemEvent.PageFreeBatched]);
        json.WriteNumber("mm_page_alloc_zone_locked", r.Events[KmemEvent.PageAllocZoneLocked]);
        json.WriteNumber("mm_page_pcpu_drain", r.Events[KmemEvent.PagePcpuDrain]);
        json.WriteNumber("mm_page_alloc_extfrag", r.Events[KmemEvent.PageAllocExtfrag]);
        json.WriteNumber("other", r.Events.Other);
        json.WriteEndObject();

        json.WriteNumber("bad_lines", r.Bad.Total);
        json.WriteStartObject("bad_line_reasons");
        foreach (var (reason, (count, first)) in r.Bad.Reasons)
        {
            json.WriteStartObject(reason);
            json.WriteNumber("count", count);
            json.WriteStartArray("first_lines");
            foreach (long line in first)
            {
                json.WriteNumberValue(line);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndObject();

        json.WriteStartObject("replayed");
        json.WriteNumber("allocs", r.Allocs);
        json.WriteNumber("frees", r.Frees);
        json.WriteNumber("alloc_failures", r.AllocFailures);
        json.WriteNumber("unmatched_frees", r.UnmatchedFrees);
        json.WriteNumber("stand_in_frees", r.StandInFrees);
        json.WriteNumber("high_order_stand_in_frees", r.HighOrderStandInFrees);
        json.WriteNumber("onlined_block_frees", r.OnlinedBlocks);
        json.WriteNumber("vmstat_ticks_before_trace", r.GapTicks);
        json.WriteNumber("batched_frees_paired", r.BatchedPairs);
        json.WriteNumber("kernel_alloc_failures", r.KernelAllocFailures);
        json.WriteNumber("reallocated_without_free", r.ReallocatedWithoutFree);
        json.WriteNumber("unreplayable_allocs", r.Unreplayable);
        json.WriteNumber("unknown_gfp_names", r.UnknownGfpNames);
        json.WriteNumber("live_pages_at_end", r.LivePages);
        json.WriteEndObject();

        json.WriteStartObject("kernel");
        json.WriteNumber("pcp_refill_pages", r.KernelCompared.Refill);
        json.WriteNumber("pcp_drain_pages", r.KernelCompared.Drain);
        json.WriteNumber("extfrag_events", r.KernelCompared.Extfrag);
        json.WriteEndObject();

        json.WriteStartObject("kernel_whole_trace");
        json.WriteNumber("pcp_refill_pages", r.KernelRefillPages);
        json.WriteNumber("pcp_drain_pages", r.KernelDrainPages);
        json.WriteNumber("extfrag_events", r.KernelExtfrag);
        json.WriteEndObject();

        json.WriteStartObject("resets");
        if (r.Plan is { } plan)
        {
            json.WriteNumber("first_start", plan.FirstStart);
            json.WriteNumber("first_end", plan.FirstEnd);
            json.WriteNumber("last_start", plan.LastStart);
            json.WriteNumber("last_end", plan.LastEnd);
            json.WriteNumber("first_drain_pages", r.ResetDrainPages.First);
            json.WriteNumber("last_drain_pages", r.ResetDrainPages.Last);
        }

        json.WriteStartArray("notes");
        foreach (string note in result.ResetNotes)
        {
            json.WriteStringValue(note);
        }

        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartObject("ours");
        WriteNullable(json, "pcp_refill_pages", result.OurRefillPages);
        WriteNullable(json, "pcp_drain_pages", result.OurDrainPages);
        WriteNullable(json, "extfrag_events", result.OurExtfrag);
        json.WriteEndObject();

        json.WriteStartObject("end_free_pages_by_order");
        WriteArray(json, "kernel", result.KernelEndFreePages ?? []);
        WriteArray(json, "ours", result.OurEndFreePages);
        json.WriteEndObject();

        json.WriteStartObject("allocator");
        json.WriteString("pcp_model", result.PcpModel);
        json.WriteString("pcp_model_from", result.PcpModelSource);
        json.WriteNumber("cpus", result.Cpus);
        json.WriteNumber("min_free_kbytes", result.MinFreeKBytes);
        json.WriteNumber("watermark_scale_factor", result.WatermarkScaleFactor);
        json.WriteString("zoneinfo", result.ZoneInfoSource);
        if (result.BuddyInfoSource is null)
        {
            json.WriteNull("buddyinfo");
        }
        else
        {
            json.WriteString("buddyinfo", result.BuddyInfoSource);
        }

        json.WriteEndObject();

        WriteObjects(json, "seed", result.Seed ?? [], seed =>
        {
            json.WriteString("zone", seed.Zone);
            WriteArray(json, "target_blocks", seed.Target);
            WriteArray(json, "seeded_blocks", seed.Seeded);
        });
        WriteObjects(json, "seed_pcp", result.SeedPcp ?? [], pcp =>
            WritePcp(json, pcp.Zone, pcp.Cpu, pcp.KernelCount, pcp.KernelHigh, pcp.Count, pcp.High));
        WriteObjects(json, "seed_held_blocks", result.SeedHeldBlocks ?? [], blocks =>
        {
            json.WriteString("zone", blocks.Zone);
            json.WriteNumber("order", blocks.Order);
            json.WriteNumber("migratetype", blocks.Migratetype);
            json.WriteNumber("wanted", blocks.Wanted);
            json.WriteNumber("held", blocks.Reserved);
        });
        WriteObjects(json, "end_zones", result.EndZones ?? [], zone =>
        {
            json.WriteString("zone", zone.Zone);
            json.WriteNumber("managed", zone.Managed);
            json.WriteNumber("free", zone.Free);
        });
        WriteObjects(json, "start_free_pages", r.StartFree, zone =>
        {
            json.WriteString("zone", zone.Zone);
            json.WriteNumber("kernel", zone.Kernel);
            json.WriteNumber("ours_before", zone.Ours);
            json.WriteNumber("ours", zone.Matched);
        });
        WriteObjects(json, "seed_onlined", result.SeedOnlined ?? [], onlined =>
        {
            json.WriteString("zone", onlined.Zone);
            json.WriteNumber("pages", onlined.Wanted);
            json.WriteNumber("held_blocks", onlined.Reserved);
        });
        WriteObjects(json, "seed_pageblocks", result.SeedPageblocks ?? [], blocks =>
        {
            json.WriteString("zone", blocks.Zone);
            json.WriteString("type", blocks.Type);
            json.WriteNumber("kernel", blocks.Kernel);
            json.WriteNumber("seeded", blocks.Seeded);
        });
        WriteObjects(json, "seed_free_by_type", result.SeedFreeByType ?? [], free =>
        {
            json.WriteString("zone", free.Zone);
            json.WriteString("type", free.Type);
            WriteArray(json, "target_blocks", free.Target);
            WriteArray(json, "seeded_blocks", free.Seeded);
        });
        WriteObjects(json, "end_pcp_zoneinfo", result.EndPcp, pcp =>
            WritePcp(json, pcp.Zone, pcp.Cpu, pcp.KernelCount, pcp.KernelHigh, pcp.Count, pcp.High));
        WriteObjects(json, "end_pcp", r.EndLists.Lists, list =>
        {
            json.WriteNumber("cpu", list.Cpu);
            json.WriteString("zone", list.Zone);
            json.WriteNumber("order", list.Order);
            json.WriteNumber("migratetype", list.Migratetype);
            json.WriteNumber("kernel", list.Kernel);
            json.WriteNumber("ours", list.Ours);
        });
        WriteObjects(json, "end_pcp_by_cpu_zone", r.EndLists.ByCpuAndZone, list =>
        {
            json.WriteNumber("cpu", list.Cpu);
            json.WriteString("zone", list.Zone);
            json.WriteNumber("kernel", list.Kernel);
            json.WriteNumber("ours", list.Ours);
        });

        json.WriteNumber("trace_seconds", double.IsNaN(r.FirstTime) ? 0 : r.LastTime - r.FirstTime);
        json.WriteNumber("seconds", result.Seconds);
        json.WriteNumber("events_per_second", result.EventsPerSecond);
        json.WriteNumber("cpu_seconds", result.CpuSeconds);
        json.WriteNumber("first_pass_seconds", result.FirstPassSeconds);
        json.WriteBoolean("seeded_during_first_pass", result.SeededDuringFirstPass);
        if (result.Run is { } run)
        {
            // The whole run, wall seconds from the process's start (to the JSON's writing: the
            // table printed after it is the only step left out) and CPU seconds, step by step.
            json.WriteNumber("whole_run_seconds", run.Wall);
            json.WriteNumber("whole_run_cpu_seconds", run.Cpu);
            json.WriteNumber("events_per_second_whole_run", result.EventsPerSecondWholeRun);
            WriteObjects(json, "run_steps", run.Marks, mark =>
            {
                json.WriteString("step", mark.Step);
                json.WriteNumber("wall_seconds", mark.Wall);
                json.WriteNumber("cpu_seconds", mark.Cpu);
            });
        }
        json.WriteEndObject();
    }

    /// <summary>An array named name of one object per item, its fields written by write.</summary>
    private static void WriteObjects<T>(Utf8JsonWriter json, string name, IEnumerable<T> items, Action<T> write)
    {
        json.WriteStartArray(name);
        foreach (T item in items)
        {
            json.WriteStartObject();
            write(item);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>One pcp list's fields: the seeded lists and the lists at the end alike.</summary>
    private static void WritePcp(Utf8JsonWriter json, string zone, int cpu, long kernelCount, long kernelHigh, long count, long high)
    {
        json.WriteString("zone", zone);
        json.WriteNumber("cpu", cpu);
        json.WriteNumber("kernel_count", kernelCount);
        json.WriteNumber("kernel_high", kernelHigh);
        json.WriteNumber("count", count);
        json.WriteNumber("high", high);
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteArray(Utf8JsonWriter json, string name, long[] values)
    {
        json.WriteStartArray(name);
        foreach (long value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }
}
