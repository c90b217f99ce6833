// SPDX-License-Identifier: GPL-2.0-only
using System.Globalization;
using System.IO;
using System.Text;
using PageAlloc.Cli.Replay;

namespace PageAlloc.Cli.Output;

/// <summary>The replay's samples over trace time as CSV, one row per sample.</summary>
internal static class SeriesCsv
{
    public static string Header
    {
        get
        {
            var header = new StringBuilder("time_s,events");
            for (int order = 0; order <= PageAllocator.MaxOrder; order++)
            {
                header.Append(",our_free_pages_order").Append(order);
            }

            return header.Append(",our_unusable_index_3,our_unusable_index_9,kernel_pcp_refill_pages,kernel_pcp_drain_pages,our_pcp_refill_pages,our_pcp_drain_pages").ToString();
        }
    }

    public static void Write(TimeSeries series, TextWriter writer)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        writer.WriteLine(Header);
        foreach (Sample s in series.Samples)
        {
            var row = new StringBuilder();
            row.Append(s.Time.ToString("0.000000", c)).Append(',').Append(s.Events.ToString(c));
            foreach (long pages in s.OurFreePagesByOrder)
            {
                row.Append(',').Append(pages.ToString(c));
            }

            row.Append(',').Append(s.OurUnusable3.ToString("0.0000", c))
               .Append(',').Append(s.OurUnusable9.ToString("0.0000", c))
               .Append(',').Append(s.KernelRefillPages.ToString(c))
               .Append(',').Append(s.KernelDrainPages.ToString(c))
               .Append(',').Append(s.OurRefillPages?.ToString(c) ?? "")
               .Append(',').Append(s.OurDrainPages?.ToString(c) ?? "");
            writer.WriteLine(row.ToString());
        }
    }
}
