// SPDX-License-Identifier: GPL-2.0-only
using System.Collections.Generic;

namespace PageAlloc.Cli.Replay;

/// <summary>
/// Samples taken every <see cref="Interval"/> seconds of trace time, never more than
/// <see cref="Capacity"/>: when full, every other sample is dropped and the interval doubles,
/// so a trace of any length ends with between half and all of <see cref="Capacity"/> samples.
/// </summary>
internal sealed class TimeSeries
{
    public const int Capacity = 1024;

    private readonly List<Sample> _samples = new(Capacity);
    private double _next = double.NegativeInfinity;

    public TimeSeries(double interval) => Interval = interval;

    public double Interval { get; private set; }

    public IReadOnlyList<Sample> Samples => _samples;

    /// <summary>Whether a sample is due at <paramref name="time"/>.</summary>
    public bool Due(double time) => time >= _next;

    public void Add(Sample sample)
    {
        if (_samples.Count == Capacity)
        {
            for (int i = 0; i < Capacity / 2; i++)
            {
                _samples[i] = _samples[2 * i];
            }

            _samples.RemoveRange(Capacity / 2, Capacity / 2);
            Interval *= 2;
        }

        _samples.Add(sample);
        _next = (_samples.Count == 1 ? sample.Time : _next) + Interval;
        if (_next <= sample.Time)
        {
            _next = sample.Time + Interval;
        }
    }

    /// <summary>Replaces the last sample (the end state) or adds it.</summary>
    public void AddFinal(Sample sample)
    {
        if (_samples.Count > 0 && _samples[^1].Time == sample.Time)
        {
            _samples[^1] = sample;
            return;
        }

        if (_samples.Count == Capacity)
        {
            _samples[^1] = sample;
            return;
        }

        _samples.Add(sample);
    }
}
