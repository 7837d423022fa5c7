using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dsd.Quality;

namespace Dsd.Cli.Commands;

/// <summary><c>dsd metrics [--format table|json]</c>: every catalogue entry and what it needs (as pyiqa lists its models).</summary>
internal static class MetricsCommand
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "table (default) or json (on stdout, one array of entries)", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("metrics",
            "List every metric and training loss: full- or no-reference, which direction is better, whether it is a metric (dsd score --metrics) "
            + "and/or a training loss, and what it needs: VGG19 layers (built into dsd up to relu3_1, deeper ones downloaded by 'dsd weights fetch'), psi, model files.")
        {
            format,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var entries = MetricRequirements.All();
            Console.Out.Write(parse.GetValue(format) == "json" ? Json(entries) : Table(entries));
            return 0;
        }));
        return command;
    }

    internal static string Json(IReadOnlyList<MetricRequirements> entries)
    {
        var array = new JsonArray();
        foreach (var e in entries)
            array.Add(new JsonObject
            {
                ["name"] = e.Name,
                ["reference"] = e.Kind == MetricKind.FullReference ? "full-reference" : "no-reference",
                ["better"] = e.LowerIsBetter ? "lower" : "higher",
                ["metric"] = e.IsMetric,
                ["loss"] = e.IsLoss,
                ["vgg19_layers"] = new JsonArray([.. e.VggLayers.Select(l => JsonValue.Create(l))]),
                ["vgg19_weights"] = e.VggWeights,
                ["vgg19_layers_built_in"] = new JsonArray([.. e.BuiltInLayers.Select(l => JsonValue.Create(l))]),
                ["psi"] = new JsonArray([.. e.Psi.Select(p => JsonValue.Create(p))]),
                ["model_files"] = new JsonArray([.. e.ModelFiles.Select(f => JsonValue.Create(f))]),
                ["description"] = e.Description,
            });
        return array.ToJsonString(Indented) + "\n";
    }

    internal static string Table(IReadOnlyList<MetricRequirements> entries)
    {
        var rows = entries.Select(e => new[]
        {
            e.Name,
            e.Kind == MetricKind.FullReference ? "full" : "none",
            e.LowerIsBetter ? "lower" : "higher",
            string.Join(", ", new[] { e.IsMetric ? "metric" : null, e.IsLoss ? "loss" : null }.OfType<string>()),
            Needs(e),
        }).ToList();
        string[] header = ["name", "reference", "better", "use", "needs"];
        var widths = Enumerable.Range(0, header.Length - 1).Select(c => rows.Select(r => r[c].Length).Append(header[c].Length).Max()).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Take(widths.Length).Select((c, i) => c.PadRight(widths[i]))) + "  " + cells[^1];
        return string.Join("\n", new[] { Line(header) }.Concat(rows.Select(Line))) + "\n";
    }

    /// <summary>"VGG19 relu1_2, relu2_1 (built-in); psi …; model.npz (built-in)", or "-" for pixel metrics.</summary>
    static string Needs(MetricRequirements e)
    {
        var parts = new List<string>();
        if (e.VggLayers.Count > 0)
            parts.Add($"VGG19 {string.Join(", ", e.VggLayers)} ({(e.VggWeights == "built-in" ? "built-in" : "download: dsd weights fetch")}"
                + (e.BuiltInLayers.Count > 0 ? $"; {string.Join(", ", e.BuiltInLayers)} with the built-in subset)" : ")"));
        if (e.Psi.Count > 0) parts.Add($"psi {string.Join(" or ", e.Psi)} (built-in)");
        if (e.ModelFiles.Count > 0) parts.Add($"{string.Join(", ", e.ModelFiles)} (built-in)");
        return parts.Count == 0 ? "-" : string.Join("; ", parts);
    }
}
