using System.Globalization;
using System.Text;
using Dsd.Cli.Pictures;
using Dsd.Serialization;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Cli.Report;

/// <summary>What the HTML report shows beyond the scores.</summary>
/// <param name="RankMetric">Metric that picks the worst and best pairs (default: dsd if present, else the first).</param>
/// <param name="PairsShown">How many worst and how many best pairs get thumbnails and heatmaps.</param>
internal sealed record HtmlReportOptions(string? RankMetric = null, int PairsShown = 3, string Title = "DSD score report");

/// <summary>
/// One self-contained HTML file from one or more <c>dsd score</c> results: settings, summary with histograms, a
/// per-reference comparison (means) of the result files, the worst and best pairs with thumbnails and DSD heatmaps, and a
/// sortable table of every pair. CSS, script and pictures are inline (data URIs), so the file can be mailed.
/// </summary>
internal static class HtmlReport
{
    /// <summary>The report of one run from its JSON (<c>dsd score --format json</c>).</summary>
    /// <param name="weights">VGG19 weights for the heatmaps, or null to leave them out.</param>
    public static void Write(string scoreJson, string path, VggWeights? weights, Device device)
    {
        var results = ScoreResults.Parse(scoreJson, Path.GetFileNameWithoutExtension(path), path, null);
        using var source = weights is null ? null : new FingerprintSource(weights, device);
        Write([results], path, source, new HtmlReportOptions());
    }

    /// <param name="heatmaps">Computes fingerprints for the pair heatmaps; null leaves them out.</param>
    public static void Write(IReadOnlyList<ScoreResults> results, string path, FingerprintSource? heatmaps, HtmlReportOptions options)
    {
        var html = Render(results, heatmaps, options);
        try { AtomicFile.WriteAllText(path, html); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{path}: cannot write: {e.Message}", e);
        }
    }

    public static string Render(IReadOnlyList<ScoreResults> results, FingerprintSource? heatmaps, HtmlReportOptions options)
    {
        if (results.Count == 0) throw new DsdException(DsdErrorKind.InvalidInput, "no results to report");
        var metrics = results.SelectMany(r => r.Metrics).DistinctBy(m => m.Name).ToList();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">");
        html.Append($"<title>{E(options.Title)}</title><style>{Resource("report.css")}</style></head>\n<body>\n");
        html.Append($"<h1>{E(options.Title)}</h1>\n<p class=\"meta\">{results.Sum(r => r.Rows.Count)} pairs in {results.Count} result file{(results.Count == 1 ? "" : "s")}: ");
        html.Append(string.Join(", ", results.Select(r => $"<b>{E(r.Label)}</b> ({E(r.Source)})")));
        html.Append($". Generated {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC. ↓ lower is better, ↑ higher is better.</p>\n");
        Settings(html, results);
        Summary(html, results, metrics);
        Comparison(html, results, metrics);
        PairGallery.Append(html, results, metrics, heatmaps, options);
        Table(html, results, metrics);
        html.Append($"<script>{Resource("report.js")}</script>\n</body></html>\n");
        return html.ToString();
    }

    /// <summary>One row per setting, one column per result file, so differing settings sit side by side.</summary>
    static void Settings(StringBuilder html, IReadOnlyList<ScoreResults> results)
    {
        html.Append("<section id=\"settings\"><h2>Settings</h2>\n<table class=\"settings\"><thead><tr><th></th>");
        foreach (var r in results) html.Append($"<th>{E(r.Label)}</th>");
        html.Append("</tr></thead><tbody>\n");
        foreach (var key in results.SelectMany(r => r.Settings.Select(s => s.Key)).Distinct())
        {
            html.Append($"<tr><th>{E(key)}</th>");
            foreach (var r in results)
                html.Append($"<td>{E(r.Settings.FirstOrDefault(s => s.Key == key).Value ?? "–")}</td>");
            html.Append("</tr>\n");
        }
        html.Append("</tbody></table></section>\n");
    }

    static void Summary(StringBuilder html, IReadOnlyList<ScoreResults> results, List<ReportMetric> metrics)
    {
        html.Append("<section id=\"summary\"><h2>Summary</h2>\n<table class=\"summary\"><thead><tr><th>metric</th><th>results</th><th>mean</th><th>std</th><th>median</th><th>min</th><th>max</th><th>n</th><th>skipped</th></tr></thead><tbody>\n");
        foreach (var m in metrics)
            foreach (var r in results.Where(r => r.Metrics.Any(x => x.Name == m.Name)))
            {
                var all = r.Rows.Where(x => x.Error is null).Select(x => x.Scores[m.Name]).ToList();
                var finite = all.Where(double.IsFinite).Order().ToList();
                var n = finite.Count;
                var mean = n > 0 ? finite.Average() : double.NaN;
                var std = n > 1 ? Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / (n - 1)) : n == 1 ? 0 : double.NaN;
                var median = n == 0 ? double.NaN : n % 2 == 1 ? finite[n / 2] : (finite[n / 2 - 1] + finite[n / 2]) / 2;
                // Infinities (PSNR of identical images) cannot enter a mean; say how many were left out.
                html.Append($"<tr><td>{E(m.Name)} {m.Arrow}</td><td>{E(r.Label)}</td><td>{Num(mean)}</td><td>{Num(std)}</td><td>{Num(median)}</td>");
                html.Append($"<td>{Num(n > 0 ? finite[0] : double.NaN)}</td><td>{Num(n > 0 ? finite[^1] : double.NaN)}</td><td>{n}</td><td>{all.Count - n}</td></tr>\n");
            }
        html.Append("</tbody></table>\n<div class=\"charts\">\n");
        foreach (var m in metrics)
        {
            var series = results.Where(r => r.Metrics.Any(x => x.Name == m.Name))
                .Select(r => (r.Label, (IReadOnlyList<double>)r.Rows.Select(x => x.Scores[m.Name]).Where(double.IsFinite).ToList()))
                .Where(s => s.Item2.Count > 0).ToList();
            if (series.Count == 0) continue;
            html.Append(Img(Histogram.RenderPng($"{m.Name} {m.Arrow}", series), "image/png", $"histogram of {m.Name}", "chart histogram"));
        }
        html.Append("</div></section>\n");
    }

    /// <summary>
    /// For two or more result files scored on the same references: per reference image, the mean score of its pairs in
    /// each file (<see cref="ReferenceMeans"/>); the caption and chart title say that the bars are means.
    /// </summary>
    static void Comparison(StringBuilder html, IReadOnlyList<ScoreResults> results, List<ReportMetric> metrics)
    {
        if (results.Count < 2) return;
        var shared = metrics.Where(m => results.All(r => r.Metrics.Any(x => x.Name == m.Name))).ToList();
        var all = ReferenceMeans.Of(results, shared.FirstOrDefault()?.Name ?? "");
        html.Append("<section id=\"comparison\"><h2>Per-reference comparison</h2>\n");
        if (all.References.Count == 0)
        {
            html.Append("<p class=\"note\">The result files share no reference image, so there is nothing to compare image by image.</p></section>\n");
            return;
        }
        html.Append($"<p class=\"meta\">{all.References.Count} reference images scored in all {results.Count} files. Each bar is the <b>mean</b> "
            + $"over that reference's pairs in that file (up to {all.MaxPairs} pair{(all.MaxPairs == 1 ? "" : "s")} per reference); "
            + "infinite values and failed pairs are left out, as in the summary.</p><div class=\"charts\">\n");
        var names = all.References.Select(k => Path.GetFileNameWithoutExtension(k)).ToList();
        foreach (var m in shared)
        {
            var means = ReferenceMeans.Of(results, m.Name);
            var width = Math.Clamp(200 + 60 * names.Count * Math.Max(1, results.Count / 2), 700, 1400);
            var png = GroupedBarChart.RenderPng($"{m.Name} {m.Arrow}: mean per reference image", $"mean {m.Name}", names,
                results.Select(r => r.Label).ToList(), means.Means, width, 420, rotateLabels: true);
            html.Append(Img(png, "image/png", $"mean {m.Name} per reference image and result file", "chart comparison"));
        }
        html.Append("</div></section>\n");
    }

    static void Table(StringBuilder html, IReadOnlyList<ScoreResults> results, List<ReportMetric> metrics)
    {
        var several = results.Count > 1;
        html.Append("<section id=\"pairs\"><h2>All pairs</h2><p class=\"meta\">Click a column header to sort.</p>\n<table id=\"pair-table\" class=\"sortable\"><thead><tr>");
        if (several) html.Append("<th data-key=\"results\">results</th>");
        html.Append("<th data-key=\"ref\">ref</th><th data-key=\"dist\">dist</th>");
        foreach (var m in metrics) html.Append($"<th data-key=\"{E(m.Name)}\" data-type=\"number\">{E(m.Name)} {m.Arrow}</th>");
        html.Append("<th data-key=\"error\">error</th></tr></thead><tbody>\n");
        foreach (var r in results)
            foreach (var row in r.Rows)
            {
                html.Append("<tr>");
                if (several) html.Append($"<td>{E(r.Label)}</td>");
                html.Append($"<td title=\"{E(row.Reference ?? "")}\">{E(Path.GetFileName(row.Reference ?? "–"))}</td><td title=\"{E(row.Distorted)}\">{E(Path.GetFileName(row.Distorted))}</td>");
                foreach (var m in metrics)
                {
                    var v = row.Scores.TryGetValue(m.Name, out var x) ? x : double.NaN;
                    html.Append($"<td class=\"num\" data-value=\"{SortValue(v)}\">{Num(v)}</td>");
                }
                html.Append($"<td class=\"error\">{E(row.Error ?? "")}</td></tr>\n");
            }
        html.Append("</tbody></table></section>\n");
    }

    /// <summary>References are matched across files by their full path, so the same HR image under two spellings still pairs.</summary>
    internal static string RefKey(string path) => Path.GetFullPath(path);

    internal static string Img(byte[] bytes, string mime, string alt, string cssClass) =>
        $"<img class=\"{cssClass}\" alt=\"{E(alt)}\" src=\"data:{mime};base64,{Convert.ToBase64String(bytes)}\">\n";

    /// <summary>Escapes only what HTML needs (the page is UTF-8, so "×" and "α" stay readable in the source).</summary>
    internal static string E(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);

    internal static string Num(double v) =>
        double.IsNaN(v) ? "–" : double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("G5", CultureInfo.InvariantCulture);

    /// <summary>Missing values sort last in either direction (the script treats an empty key so).</summary>
    static string SortValue(double v) => double.IsNaN(v) ? "" : double.IsPositiveInfinity(v) ? "Infinity" : double.IsNegativeInfinity(v) ? "-Infinity" : v.ToString("R", CultureInfo.InvariantCulture);

    static string Resource(string name)
    {
        using var stream = typeof(HtmlReport).Assembly.GetManifestResourceStream("Dsd.Cli." + name)
            ?? throw new InvalidOperationException($"the embedded {name} is missing from the dsd assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
