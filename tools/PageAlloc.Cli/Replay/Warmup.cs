// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Compiles the tool's per-line methods ahead of their first call. They are marked
/// AggressiveOptimization, which keeps them out of the ReadyToRun image (the JIT's code for
/// them is faster), so each is JIT-compiled at its first call: the second pass's in the second
/// pass, on its thread, unless this ran before. The replay runs it on the thread that seeds
/// beside the first pass, where it costs the other CPU's time, not the pass's.
/// </summary>
internal static class Warmup
{
    /// <summary>Compiles every non-generic method of this assembly marked AggressiveOptimization;
    /// returns their names (Type.Method).</summary>
    public static List<string> PrepareHotMethods()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var prepared = new List<string>();
        foreach (Type type in typeof(Warmup).Assembly.GetTypes())
        {
            if (type.ContainsGenericParameters)
            {
                continue;
            }

            foreach (MethodInfo method in type.GetMethods(all))
            {
                if ((method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0
                    && !method.IsAbstract && !method.ContainsGenericParameters)
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    prepared.Add($"{type.Name}.{method.Name}");
                }
            }
        }

        return prepared;
    }
}
