using System.Text.Json;

namespace Dsd.Cli.Report;

/// <summary>One metric of a results file and its direction.</summary>
internal sealed record ReportMetric(string Name, bool LowerIsBetter)
{
    public string Arrow => LowerIsBetter ? "↓" : "↑";
}

/// <summary>One scored pair: image paths as written by <c>dsd score</c>, NaN for a missing value, ±∞ for "inf".</summary>
internal sealed record ReportRow(string? Reference, string Distorted, IReadOnlyDictionary<string, double> Scores, string? Error);

/// <summary>
/// The content of one <c>dsd score --format json</c> output (see <c>ScoreReport.ToJson</c>), with image paths resolved
/// so they can be opened from here: relative paths are tried against the working directory, then the file's folder.
/// </summary>
internal sealed record ScoreResults(string Label, string Source, IReadOnlyList<ReportMetric> Metrics, IReadOnlyList<ReportRow> Rows,
    IReadOnlyList<KeyValuePair<string, string>> Settings)
{
    /// <exception cref="DsdException">Missing, unreadable or not a dsd score JSON; the message names the file.</exception>
    public static ScoreResults Load(string path, string label)
    {
        string text;
        if (File.Exists(path)) Serialization.InputFile.RequireRegular(path, DsdErrorKind.InvalidInput);
        try { text = File.ReadAllText(path); }
        catch (FileNotFoundException) { throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: file not found"); }
        catch (DirectoryNotFoundException) { throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: file not found"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{path}: cannot read: {e.Message}", e);
        }
        return Parse(text, label, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <param name="json">The JSON text.</param>
    /// <param name="label">Name shown for these results (a method, a run).</param>
    /// <param name="source">Where the text came from, for messages.</param>
    /// <param name="baseDirectory">Second place to look for relative image paths, or null.</param>
    public static ScoreResults Parse(string json, string label, string source, string? baseDirectory)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array
                || !root.TryGetProperty("metrics", out var metrics) || metrics.ValueKind != JsonValueKind.Object)
                throw Invalid(source, "not a dsd score JSON (expected \"rows\" and \"metrics\"; write it with dsd score --format json)");
            var metricList = metrics.EnumerateObject()
                .Select(m => new ReportMetric(m.Name, !m.Value.TryGetProperty("lower_is_better", out var l) || l.ValueKind != JsonValueKind.False))
                .ToList();
            var rowList = new List<ReportRow>();
            foreach (var row in rows.EnumerateArray())
            {
                var dist = row.TryGetProperty("dist", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()!
                    : throw Invalid(source, $"row {rowList.Count + 1} has no \"dist\" path");
                var reference = row.TryGetProperty("ref", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                var scores = metricList.ToDictionary(m => m.Name, m => row.TryGetProperty(m.Name, out var v) ? Number(v) : double.NaN);
                var error = row.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                rowList.Add(new ReportRow(reference is null ? null : Resolve(reference, baseDirectory), Resolve(dist, baseDirectory), scores, error));
            }
            var settings = root.TryGetProperty("settings", out var s) && s.ValueKind == JsonValueKind.Object
                ? s.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())).ToList()
                : [];
            return new ScoreResults(label, source, metricList, rowList, settings);
        }
        catch (JsonException e)
        {
            throw Invalid(source, $"not valid JSON ({e.Message})");
        }
    }

    /// <summary>JSON numbers, the strings "inf"/"-inf" that dsd writes for infinities, null for a missing value.</summary>
    static double Number(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.String when v.GetString() == "inf" => double.PositiveInfinity,
        JsonValueKind.String when v.GetString() == "-inf" => double.NegativeInfinity,
        _ => double.NaN,
    };

    static string Resolve(string path, string? baseDirectory)
    {
        if (Path.IsPathRooted(path) || File.Exists(path) || baseDirectory is null) return path;
        var beside = Path.Combine(baseDirectory, path);
        return File.Exists(beside) ? beside : path;
    }

    static DsdException Invalid(string source, string problem) => new(DsdErrorKind.InvalidInput, $"{source}: {problem}");
}
