using System.Globalization;

namespace Dsd.Cli.Pictures;

/// <summary>Histograms of one metric, one bar series per result file, on shared bins so the files can be compared.</summary>
internal static class Histogram
{
    public static byte[] RenderPng(string metric, IReadOnlyList<(string Label, IReadOnlyList<double> Values)> series, int width = 640, int height = 360)
    {
        var finite = series.SelectMany(s => s.Values).Where(double.IsFinite).ToList();
        if (finite.Count == 0) throw new ArgumentException($"{metric}: no finite values to draw", nameof(series));
        var (lo, hi) = (finite.Min(), finite.Max());
        var bins = Math.Clamp((int)Math.Ceiling(Math.Sqrt(finite.Count)) + 1, 4, 16);
        if (hi <= lo) { lo -= 0.5; hi += 0.5; bins = 1; }
        var step = (hi - lo) / bins;
        var counts = series.Select(s =>
        {
            var c = new double[bins];
            foreach (var v in s.Values.Where(double.IsFinite))
                c[Math.Min(bins - 1, (int)((v - lo) / step))]++;
            return c;
        }).ToArray();
        var labels = Enumerable.Range(0, bins).Select(b => (lo + step * (b + 0.5)).ToString("G3", CultureInfo.InvariantCulture)).ToList();
        return GroupedBarChart.RenderPng($"{metric}: histogram (bin centres)", "pairs", labels, series.Select(s => s.Label).ToList(), counts,
            width, height, rotateLabels: bins > 8);
    }
}
