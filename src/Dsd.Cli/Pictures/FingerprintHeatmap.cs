using System.Globalization;
using ScottPlot;

namespace Dsd.Cli.Pictures;

/// <summary>
/// The DSD matrices as one figure: a row per α, a column per layer, every panel on one symmetric diverging colour
/// scale (blue negative, white zero, red positive) with a single colour bar, so panels can be compared by eye.
/// </summary>
internal static class FingerprintHeatmap
{
    const double Gap = 0.14;

    /// <param name="matrices">What to draw (a fingerprint, or the difference of two).</param>
    /// <param name="title">The figure's title.</param>
    /// <param name="colourLabel">The colour bar's label, e.g. "DSD entry".</param>
    public static byte[] RenderPng(FingerprintMatrices matrices, string title, string colourLabel, int width = 1100, int height = 620)
    {
        PlotFonts.Register();
        using var plot = new Plot();
        var limit = ColourLimit(matrices);
        var colormap = new ScottPlot.Colormaps.Balance();
        ScottPlot.Plottables.Heatmap? last = null;
        for (var row = 0; row < matrices.Alphas.Count; row++)
        {
            var alpha = matrices.Alphas[row];
            var top = -row * (1 + Gap + 0.08);
            for (var col = 0; col < matrices.Layers.Count; col++)
            {
                var layer = matrices.Layers[col];
                var m = matrices.Matrices[(alpha, layer)];
                var left = col * (1 + Gap);
                var heatmap = plot.Add.Heatmap(ToDouble(m));
                heatmap.Colormap = colormap;
                heatmap.ManualRange = new ScottPlot.Range(-limit, limit);
                // Row 0 of the matrix at the top, as a matrix is read.
                heatmap.Extent = new CoordinateRect(left, left + 1, top - 1, top);
                var label = plot.Add.Text($"{layer} ({m.GetLength(0)}×{m.GetLength(1)}), mean |·| {Number(matrices.MeanAbs(alpha, layer))}", left + 0.5, top + 0.015);
                label.LabelFontSize = width >= 1000 ? 12 : 10;
                label.LabelAlignment = Alignment.LowerCenter;
                last = heatmap;
            }
            var rowLabel = plot.Add.Text($"α = {alpha.ToString(CultureInfo.InvariantCulture)}", -0.04, top - 0.5);
            rowLabel.LabelFontSize = 15;
            rowLabel.LabelRotation = -90;
            rowLabel.LabelAlignment = Alignment.LowerCenter;
        }
        if (last is not null)
        {
            var bar = plot.Add.ColorBar(last);
            bar.Label = colourLabel;
            bar.LabelStyle.FontSize = 14;
            bar.Axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { TickDensity = 0.4 };
            bar.Axis.TickLabelStyle.FontSize = 12;
        }
        plot.Title($"{title}\ncolour: {colourLabel}, one scale for all panels, clipped at ±{Number(limit)} (99.5th percentile of |entry|)", size: 15);
        plot.HideGrid();
        plot.Axes.Left.IsVisible = false;
        plot.Axes.Bottom.IsVisible = false;
        plot.Axes.Top.IsVisible = false;
        plot.Axes.Right.IsVisible = true;
        plot.Axes.SetLimits(-0.12, matrices.Layers.Count * (1 + Gap) - Gap + 0.02, -matrices.Alphas.Count * (1 + Gap + 0.08) + Gap + 0.06, 0.1);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>
    /// The symmetric colour limit: the 99.5th percentile of |entry| over all panels, so a few extreme entries (often on
    /// the diagonal) do not wash every other entry out to white.
    /// </summary>
    public static double ColourLimit(FingerprintMatrices matrices)
    {
        var all = matrices.Matrices.Values.SelectMany(m => m.Cast<float>()).Select(v => Math.Abs((double)v)).Order().ToArray();
        if (all.Length == 0) return 1;
        var p = all[Math.Min(all.Length - 1, (int)Math.Floor(0.995 * (all.Length - 1)))];
        return p > 0 && double.IsFinite(p) ? p : all[^1] > 0 && double.IsFinite(all[^1]) ? all[^1] : 1;
    }

    static double[,] ToDouble(float[,] m)
    {
        var d = new double[m.GetLength(0), m.GetLength(1)];
        for (var i = 0; i < m.GetLength(0); i++)
            for (var j = 0; j < m.GetLength(1); j++)
                d[i, j] = m[i, j];
        return d;
    }

    internal static string Number(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
