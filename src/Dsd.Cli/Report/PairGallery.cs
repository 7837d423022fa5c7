using System.Text;
using Dsd.Cli.Pictures;

namespace Dsd.Cli.Report;

/// <summary>
/// The worst and best pairs by one metric, each shown as reference and distorted thumbnails beside the heatmaps of
/// DSD_α^l(dist) − DSD_α^l(ref): the per-layer, per-α differences whose mean |·| D_DSD adds up (docs/method.md §2).
/// </summary>
internal static class PairGallery
{
    public static void Append(StringBuilder html, IReadOnlyList<ScoreResults> results, IReadOnlyList<ReportMetric> metrics, FingerprintSource? heatmaps, HtmlReportOptions options)
    {
        var metric = Rank(metrics, options.RankMetric);
        var rows = results.SelectMany(r => r.Rows.Select(row => (Results: r, Row: row)))
            .Where(x => x.Row.Error is null && x.Row.Scores.TryGetValue(metric.Name, out var v) && double.IsFinite(v))
            .OrderBy(x => metric.LowerIsBetter ? -x.Row.Scores[metric.Name] : x.Row.Scores[metric.Name]) // worst first
            .ToList();
        html.Append($"<section id=\"extremes\"><h2>Worst and best pairs by {HtmlReport.E(metric.Name)} {metric.Arrow}</h2>\n");
        if (rows.Count == 0)
        {
            html.Append($"<p class=\"note\">No pair has a finite {HtmlReport.E(metric.Name)} score.</p></section>\n");
            return;
        }
        var k = Math.Max(1, options.PairsShown);
        var worst = rows.Take(k).ToList();
        var best = rows.Skip(worst.Count).Reverse().Take(k).ToList();
        html.Append(heatmaps is null
            ? "<p class=\"note\">Heatmaps left out (no VGG19 weights given, or --no-heatmaps).</p>\n"
            : "<p class=\"meta\">Heatmaps: DSD_α^l(dist) − DSD_α^l(ref) for layers relu1_2, relu2_1, relu2_2, relu3_1 and α = 2, 4, on one diverging colour scale per pair: red where the distorted image's entry is larger than the reference's, blue where it is smaller, white where they agree.</p>\n");
        var cache = new Dictionary<string, FingerprintMatrices?>();
        var problems = new List<string>();
        var cards = worst.Select((x, i) => (Title: $"worst #{i + 1}", Kind: "worst", Item: x))
            .Concat(best.Select((x, i) => (Title: $"best #{i + 1}", Kind: "best", Item: x))).ToList();
        ProgressBar.Items(cards.Count, advance =>
        {
            foreach (var card in cards)
            {
                Card(html, card.Title, card.Kind, card.Item, heatmaps, cache, problems, results.Count > 1);
                advance(card.Item.Row.Distorted);
            }
        }, "heatmaps");
        foreach (var p in problems.Distinct()) html.Append($"<p class=\"note\">{HtmlReport.E(p)}</p>\n");
        html.Append("</section>\n");
    }

    static ReportMetric Rank(IReadOnlyList<ReportMetric> metrics, string? requested)
    {
        if (requested is null) return metrics.FirstOrDefault(m => m.Name == "dsd") ?? metrics.FirstOrDefault()
            ?? throw new DsdException(DsdErrorKind.InvalidInput, "the results hold no metric");
        return metrics.FirstOrDefault(m => m.Name == requested)
            ?? throw new DsdException(DsdErrorKind.Usage, $"--metric: '{requested}' is not in the results (they hold {string.Join(", ", metrics.Select(m => m.Name))})");
    }

    static void Card(StringBuilder html, string title, string kind, (ScoreResults Results, ReportRow Row) item,
        FingerprintSource? heatmaps, Dictionary<string, FingerprintMatrices?> cache, List<string> problems, bool showLabel)
    {
        var (results, row) = item;
        var scores = string.Join(" · ", row.Scores.Select(s => $"{s.Key} {HtmlReport.Num(s.Value)}"));
        html.Append($"<figure class=\"pair {kind}\"><figcaption><b>{HtmlReport.E(title)}</b> {(showLabel ? HtmlReport.E(results.Label) + ": " : "")}");
        html.Append($"{HtmlReport.E(Path.GetFileName(row.Distorted))} <span class=\"scores\">{HtmlReport.E(scores)}</span></figcaption>\n<div class=\"row\">");
        foreach (var (what, path) in new[] { ("ref", row.Reference), ("dist", row.Distorted) })
        {
            var thumb = path is null ? null : Thumbnail.Jpeg(path);
            html.Append(thumb is null
                ? $"<div class=\"thumb missing\">{what}: {HtmlReport.E(path ?? "none")} not found</div>"
                : $"<div class=\"thumb\"><div>{what}</div>{HtmlReport.Img(thumb, "image/jpeg", $"{what} {Path.GetFileName(path)}", "thumbnail")}</div>");
        }
        if (heatmaps is not null && row.Reference is not null)
        {
            var dist = Fingerprint(heatmaps, row.Distorted, cache, problems);
            var reference = Fingerprint(heatmaps, row.Reference, cache, problems);
            if (dist is not null && reference is not null)
            {
                var png = FingerprintHeatmap.RenderPng(dist.Minus(reference), $"DSD(dist) − DSD(ref): {Path.GetFileName(row.Distorted)} vs {Path.GetFileName(row.Reference)}",
                    "DSD(dist) − DSD(ref)", 900, 520);
                html.Append(HtmlReport.Img(Thumbnail.Reencode(png), "image/jpeg", $"DSD difference heatmaps of {Path.GetFileName(row.Distorted)}", "heatmap"));
            }
        }
        html.Append("</div></figure>\n");
    }

    static FingerprintMatrices? Fingerprint(FingerprintSource source, string path, Dictionary<string, FingerprintMatrices?> cache, List<string> problems)
    {
        if (cache.TryGetValue(path, out var known)) return known;
        FingerprintMatrices? result = null;
        try { result = source.Compute(path); }
        catch (DsdException e) when (e.Kind is DsdErrorKind.InvalidInput or DsdErrorKind.Numerical)
        {
            problems.Add($"no heatmap: {e.Message}");
        }
        return cache[path] = result;
    }
}
