// SPDX-License-Identifier: GPL-2.0-only
using PageAlloc.Native;

namespace PageAlloc;

/// <summary>Where free page reporting stands (C <c>PA_PAGE_REPORTING_*</c>, the kernel's
/// <c>PAGE_REPORTING_IDLE</c>, <c>_REQUESTED</c>, <c>_ACTIVE</c>).</summary>
public enum FreePageReportingState
{
    /// <summary>No pass wanted: every block of the reporting order or above was reported, or no
    /// free asked since the last pass.</summary>
    Idle = Methods.PA_PAGE_REPORTING_IDLE,

    /// <summary>A free asked for a pass that has not begun.</summary>
    Requested = Methods.PA_PAGE_REPORTING_REQUESTED,

    /// <summary>A pass runs, and no free has asked for another since it began.</summary>
    Active = Methods.PA_PAGE_REPORTING_ACTIVE,
}
