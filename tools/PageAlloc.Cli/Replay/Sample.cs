// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.Cli.Replay;

/// <summary>The replay's state at one moment of trace time.</summary>
internal sealed record Sample(
    double Time,
    long Events,
    long[] OurFreePagesByOrder,
    double OurUnusable3,
    double OurUnusable9,
    long KernelRefillPages,
    long KernelDrainPages,
    long? OurRefillPages,
    long? OurDrainPages);
