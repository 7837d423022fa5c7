using Dsd.Cli.Pictures;
using SkiaSharp;
using Xunit;

namespace Dsd.Tests.Pictures;

/// <summary>The renderers on hand-made matrices: what the pixels must show, and that a flat input looks flat.</summary>
public class FingerprintPictureTests
{
    static readonly string[] Layers = ["relu1_2", "relu2_1", "relu2_2", "relu3_1"];

    static FingerprintMatrices Matrices(Func<int, int, int, float> entry)
    {
        var dict = new Dictionary<(double, string), float[,]>();
        var k = 0;
        foreach (var alpha in new double[] { 2, 4 })
            foreach (var layer in Layers)
            {
                var c = 8 << (k % 3);
                var m = new float[c, c];
                for (var i = 0; i < c; i++)
                    for (var j = 0; j < c; j++)
                        m[i, j] = entry(k, i, j);
                dict[(alpha, layer)] = m;
                k++;
            }
        return new FingerprintMatrices([2, 4], Layers, dict);
    }

    static bool Reddish(SKColor c) => c.Red > c.Blue + 60;

    static bool Bluish(SKColor c) => c.Blue > c.Red + 60;

    /// <summary>The panels' area: left of the colour bar, below the title.</summary>
    static (int X, int Y, int W, int H) Panels(PngProbe p) => (20, 80, (int)(p.Width * 0.85) - 20, p.Height - 90);

    [Fact]
    public void HeatmapOfVaryingMatricesIsNotFlatAndUsesBothSidesOfTheScale()
    {
        var rng = new Random(1);
        var png = FingerprintHeatmap.RenderPng(Matrices((k, i, j) => (float)(rng.NextDouble() * 2 - 1) * (k + 1)), "test", "DSD entry");
        var p = new PngProbe(png);
        Assert.Equal((1100, 620), (p.Width, p.Height));
        var (x, y, w, h) = Panels(p);
        Assert.True(p.InkFraction(x, y, w, h) > 0.4, $"panels mostly blank: {p.InkFraction(x, y, w, h):P0} ink");
        Assert.True(p.StdDev(x, y, w, h, c => c.Blue - c.Red) > 40, "heatmap looks flat");
        var reds = 0; var blues = 0;
        for (var yy = y; yy < y + h; yy += 3)
            for (var xx = x; xx < x + w; xx += 3)
            {
                if (Reddish(p[xx, yy])) reds++;
                if (Bluish(p[xx, yy])) blues++;
            }
        Assert.True(reds > 500 && blues > 500, $"a symmetric diverging scale shows both signs: {reds} red, {blues} blue samples");
    }

    [Fact]
    public void HeatmapOfZeroMatricesIsWhite()
    {
        // The check above must be able to fail: zero DSD is drawn as the scale's white centre.
        var p = new PngProbe(FingerprintHeatmap.RenderPng(Matrices((_, _, _) => 0), "zeros", "DSD entry"));
        var (x, y, w, h) = Panels(p);
        Assert.True(p.StdDev(x, y, w, h, c => c.Blue - c.Red) < 10);
        var reds = 0; var blues = 0;
        for (var yy = y; yy < y + h; yy += 3)
            for (var xx = x; xx < x + w; xx += 3)
            {
                if (Reddish(p[xx, yy])) reds++;
                if (Bluish(p[xx, yy])) blues++;
            }
        Assert.Equal((0, 0), (reds, blues));
    }

    [Fact]
    public void HeatmapHasAColourBarFromRedOnTopToBlueAtTheBottom()
    {
        var rng = new Random(2);
        var p = new PngProbe(FingerprintHeatmap.RenderPng(Matrices((_, _, _) => (float)(rng.NextDouble() - 0.5)), "bar", "DSD entry"));
        // A column right of the panels that runs from red through white to blue over most of the picture's height.
        var found = false;
        for (var x = (int)(p.Width * 0.85); x < p.Width && !found; x++)
        {
            var column = Enumerable.Range(0, p.Height).Select(y => p[x, y]).ToList();
            var firstRed = column.FindIndex(Reddish);
            var lastBlue = column.FindLastIndex(Bluish);
            var distinct = column.Select(c => (uint)c).Distinct().Count();
            found = firstRed >= 0 && lastBlue > firstRed + p.Height / 2 && !column.Skip(lastBlue).Any(Reddish) && distinct > 100;
        }
        Assert.True(found, "no colour bar (a red-to-blue gradient column) right of the panels");
    }

    [Fact]
    public void ColourLimitIsThe995thPercentileOfAbsoluteEntries()
    {
        // 8 matrices; entries 1..n in absolute value with alternating sign, so |entries| are a known ramp.
        var counter = 0;
        var m = Matrices((_, _, _) => ++counter * (counter % 2 == 0 ? 1 : -1));
        var n = counter;
        Assert.Equal(Math.Floor(0.995 * (n - 1)) + 1, FingerprintHeatmap.ColourLimit(m));
        Assert.Equal(1, FingerprintHeatmap.ColourLimit(Matrices((_, _, _) => 0)));
    }

    [Fact]
    public void BarChartDrawsOneBarPerLayerAndAlphaWithHeightsProportionalToMeanAbs()
    {
        var m = Matrices((k, _, _) => (k + 1) * 0.001f * ((k % 2 == 0) ? 1 : -1));
        var p = new PngProbe(FingerprintBarChart.RenderPng(m, "bars"));
        var colours = new[] { PlotPalette.Series(0), PlotPalette.Series(1) }.Select(c => new SKColor(c.R, c.G, c.B)).ToArray();
        bool AnyBar(SKColor c) => colours.Any(b => PngProbe.Near(c, b));
        var baseRow = p.LowestRow(AnyBar) - 2;
        var heights = new List<(int X, int Height, int Series)>();
        for (var s = 0; s < 2; s++)
        {
            var runs = p.RunsInRow(baseRow, c => PngProbe.Near(c, colours[s]));
            Assert.Equal(4, runs.Count); // one bar per layer for this α
            heights.AddRange(runs.Select(r => (r.Start + r.Length / 2, p.RunUp(r.Start + r.Length / 2, baseRow, c => PngProbe.Near(c, colours[s])), s)));
        }
        // Bars left to right: layer-major, α = 2 then α = 4; values mean |entry| = (k + 1)·0.001 with k = α index·4 + layer.
        var ordered = heights.OrderBy(h => h.X).ToList();
        var expected = Layers.SelectMany((l, li) => new[] { m.MeanAbs(2, l), m.MeanAbs(4, l) }).ToList();
        var scale = ordered[^1].Height / expected[^1];
        for (var i = 0; i < ordered.Count; i++)
            Assert.InRange(ordered[i].Height, expected[i] * scale - 3, expected[i] * scale + 3);
    }
}
