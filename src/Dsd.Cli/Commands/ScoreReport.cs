using System.Globalization;
using System.Text;
using System.Text.Json;
using Dsd.Quality;
using Dsd.Scoring;
using Dsd.Serialization;
using Spectre.Console;

namespace Dsd.Cli.Commands;

/// <summary>Formats scoring results as JSON, CSV or console tables; no numerics beyond the summary statistics.</summary>
internal sealed class ScoreReport(IReadOnlyList<MetricEntry> metrics, IReadOnlyList<PairResult> results, IReadOnlyDictionary<string, object?> settings)
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    Dictionary<string, ScoreSummary> Summaries() => metrics.ToDictionary(
        m => m.Name,
        m => ScoreSummary.Of(results.Where(r => r.Error is null).Select(r => r.Scores[m.Name]).ToList()));

    public string ToJson()
    {
        var rows = results.Select(r =>
        {
            var row = new Dictionary<string, object?> { ["ref"] = r.Pair.Reference, ["dist"] = r.Pair.Distorted };
            foreach (var m in metrics) row[m.Name] = r.Scores.TryGetValue(m.Name, out var v) ? ScoreSummary.ToJson(v) : null;
            if (r.Error is not null) row["error"] = r.Error;
            return row;
        }).ToList();
        var doc = new Dictionary<string, object?>
        {
            ["rows"] = rows,
            ["summary"] = Summaries().ToDictionary(kv => kv.Key, kv => kv.Value.ToJson()),
            ["metrics"] = metrics.ToDictionary(m => m.Name, m => new Dictionary<string, object> { ["lower_is_better"] = m.LowerIsBetter }),
            ["settings"] = settings,
        };
        return JsonSerializer.Serialize(doc, Indented) + "\n";
    }

    public string ToCsv()
    {
        var sb = new StringBuilder(CsvHeader(metrics.Select(m => m.Name)));
        foreach (var r in results)
            sb.Append(CsvRow(r.Pair.Reference, r.Pair.Distorted, metrics.Select(m => r.Scores.TryGetValue(m.Name, out var v) ? v : (double?)null), r.Error));
        return sb.ToString();
    }

    /// <summary>The header of a score CSV (<c>dsd score</c>, <c>dsd merge</c>).</summary>
    internal static string CsvHeader(IEnumerable<string> metricNames) => Csv.Line(["ref", "dist", .. metricNames, "error"]);

    /// <summary>One row of a score CSV: a missing score (an error row) is an empty cell; scores round-trip as in the JSON.</summary>
    internal static string CsvRow(string? reference, string distorted, IEnumerable<double?> scores, string? error) =>
        Csv.Line([Csv.Quote(reference ?? ""), Csv.Quote(distorted), .. scores.Select(v => v is { } x ? Csv.Number(x) : ""), Csv.Quote(error ?? "")]);

    public void WriteTables(IAnsiConsole console)
    {
        var table = new Table().AddColumn("ref").AddColumn("dist");
        foreach (var m in metrics) table.AddColumn(new TableColumn($"{m.Name} {(m.LowerIsBetter ? "↓" : "↑")}").RightAligned());
        foreach (var r in results)
            table.AddRow([Markup.Escape(r.Pair.Reference ?? ""), Markup.Escape(r.Pair.Distorted),
                .. metrics.Select(m => r.Scores.TryGetValue(m.Name, out var v) ? Number(v) : "[red]error[/]")]);
        console.Write(table);

        var summary = new Table().Title("summary (↓ lower is better, ↑ higher is better)").AddColumn("metric")
            .AddColumn(new TableColumn("mean").RightAligned()).AddColumn(new TableColumn("std").RightAligned())
            .AddColumn(new TableColumn("median").RightAligned()).AddColumn(new TableColumn("n").RightAligned());
        foreach (var (name, s) in Summaries())
            summary.AddRow($"{name} {(metrics.First(m => m.Name == name).LowerIsBetter ? "↓" : "↑")}", Number(s.Mean), Number(s.Std), Number(s.Median), s.N.ToString(CultureInfo.InvariantCulture));
        console.Write(summary);
        foreach (var (name, s) in Summaries().Where(kv => kv.Value.Infinite > 0))
            console.MarkupLine(Markup.Escape($"{name}: {s.Infinite} infinite score(s) (identical images) left out of the summary"));
    }

    static string Number(double v) => double.IsNaN(v) ? "–" : Csv.Number(v, "G6");
}
