using System.Globalization;

namespace Dsd.Cli.Pictures;

/// <summary>‖DSD_α^l‖₁ (mean |entry|, docs/method.md §1) per layer, one bar per α: how strongly each layer's statistics change with scale.</summary>
internal static class FingerprintBarChart
{
    public static byte[] RenderPng(FingerprintMatrices matrices, string title, int width = 800, int height = 480) =>
        GroupedBarChart.RenderPng(title, "‖DSD_α^l‖₁ (mean |entry|)", matrices.Layers,
            matrices.Alphas.Select(AlphaLabel).ToList(),
            matrices.Alphas.Select(a => matrices.Layers.Select(l => matrices.MeanAbs(a, l)).ToArray()).ToArray(),
            width, height);

    public static string AlphaLabel(double alpha) => "α = " + alpha.ToString(CultureInfo.InvariantCulture);
}
