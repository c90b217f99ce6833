// SPDX-License-Identifier: GPL-2.0-only
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PageAlloc.BenchReport;

/// <summary>A CSV file of the harness, read by column name: header line, comma-separated rows,
/// double quotes around fields that hold commas.</summary>
internal sealed class Csv
{
    private readonly string[] _header;

    private Csv(string path, string[] header, List<string[]> rows)
    {
        Path = path;
        _header = header;
        Rows = rows;
    }

    public string Path { get; }

    public IReadOnlyList<string[]> Rows { get; }

    public static Csv Read(string path)
    {
        string[] lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0)
        {
            throw new InvalidDataException($"{path} is empty.");
        }

        return new Csv(path, Split(lines[0]), lines.Skip(1).Select(Split).ToList());
    }

    public static Csv? TryRead(string path) => File.Exists(path) ? Read(path) : null;

    public string Get(string[] row, string column)
    {
        int index = Array.IndexOf(_header, column);
        if (index < 0 || index >= row.Length)
        {
            throw new InvalidDataException($"{Path} has no column {column}.");
        }

        return row[index];
    }

    public double Number(string[] row, string column) =>
        double.Parse(Get(row, column), NumberStyles.Float, CultureInfo.InvariantCulture);

    public string[]? Find(string column, string value) =>
        Rows.FirstOrDefault(r => Get(r, column) == value);

    private static string[] Split(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields.ToArray();
    }
}
