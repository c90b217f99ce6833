// SPDX-License-Identifier: GPL-2.0-only
namespace PageAlloc.KestrelSample;

/// <summary>What /pagealloc compares against: the allocator's free pages when the server was built.</summary>
/// <param name="StartFreePages">Free pages, buddy and pcp lists together.</param>
public sealed record SampleServerState(long StartFreePages);
