namespace Dsd.Cli.Report;

/// <summary>
/// The report's per-reference comparison: for each reference image scored in every result file, the mean of one
/// metric over that reference's pairs in each file. A file often holds several pairs per reference (one reference,
/// many distortions), so the bar has to say what it aggregates; plotting the first pair's value would hide the rest.
/// Infinities (PSNR of identical images) cannot enter a mean and are left out, as in the summary table.
/// </summary>
/// <param name="References">Full paths of the references scored in all files, in ordinal order.</param>
/// <param name="Means">Means[file][reference]; NaN where a reference has no finite value in that file.</param>
/// <param name="Counts">Counts[file][reference]: the reference's scored pairs in that file (failed pairs not counted).</param>
internal sealed record ReferenceMeans(IReadOnlyList<string> References, double[][] Means, int[][] Counts)
{
    /// <summary>The most pairs one reference has in one file (1 means every bar is a single pair).</summary>
    public int MaxPairs => Counts.SelectMany(c => c).DefaultIfEmpty(0).Max();

    public static ReferenceMeans Of(IReadOnlyList<ScoreResults> results, string metric)
    {
        var byRef = results.Select(r => r.Rows.Where(x => x.Reference is not null && x.Error is null)
            .GroupBy(x => HtmlReport.RefKey(x.Reference!))
            .ToDictionary(g => g.Key, g => g.Select(x => x.Scores.TryGetValue(metric, out var v) ? v : double.NaN).ToList()))
            .ToList();
        var common = byRef.Count == 0 ? [] : byRef[0].Keys.Where(k => byRef.All(d => d.ContainsKey(k))).Order(StringComparer.Ordinal).ToList();
        var means = byRef.Select(d => common.Select(k => FiniteMean(d[k])).ToArray()).ToArray();
        var counts = byRef.Select(d => common.Select(k => d[k].Count).ToArray()).ToArray();
        return new ReferenceMeans(common, means, counts);
    }

    static double FiniteMean(List<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return finite.Count > 0 ? finite.Average() : double.NaN;
    }
}
