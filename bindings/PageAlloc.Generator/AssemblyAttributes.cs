// SPDX-License-Identifier: GPL-2.0-only
// The libclang declarations pass only blittable values: nothing needs marshalling.
[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]
