using ScottPlot;

namespace Dsd.Cli.Pictures;

/// <summary>
/// Bars in groups: one group per category (a layer, an image), one coloured bar per series (an α, a layer, a
/// method) with a legend. The shared shape of the fingerprint bar chart, the folder comparison and the report's
/// per-image comparison.
/// </summary>
internal static class GroupedBarChart
{
    /// <param name="values">values[series][category]; NaN leaves a gap.</param>
    public static byte[] RenderPng(string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<string> series,
        double[][] values, int width, int height, bool rotateLabels = false)
    {
        PlotFonts.Register();
        using var plot = new Plot();
        var n = Math.Max(1, series.Count);
        const double groupWidth = 0.8;
        var barWidth = groupWidth / n;
        for (var s = 0; s < series.Count; s++)
        {
            var bars = new List<Bar>();
            for (var c = 0; c < categories.Count; c++)
            {
                var v = values[s][c];
                if (!double.IsFinite(v)) continue;
                bars.Add(new Bar
                {
                    Position = c - groupWidth / 2 + barWidth * (s + 0.5),
                    Value = v,
                    Size = barWidth * 0.92,
                    FillColor = PlotPalette.Series(s),
                    LineWidth = 0,
                });
            }
            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = series[s];
        }
        var ticks = categories.Select((c, i) => new Tick(i, c)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        if (rotateLabels && categories.Count > 6)
        {
            // Many names: slant them and reserve room so long names are not cut at the picture's edge.
            plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
            plot.Axes.Bottom.MinimumSize = 20 + 6.5f * categories.Max(c => c.Length);
            // The first name slants left past the axis; widen the left margin so it is not cut at the picture's edge.
            plot.Axes.Left.MinimumSize = Math.Max(60, 5.2f * categories[0].Length);
        }
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.YLabel(yLabel, size: 14);
        plot.Title(title, size: 16);
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsX(-0.6, categories.Count - 0.4);
        if (series.Count > 1)
        {
            plot.ShowLegend(Edge.Right); // beside the axes: inside, it would hide the tallest bars
            plot.Legend.FontSize = 13;
        }
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }
}
