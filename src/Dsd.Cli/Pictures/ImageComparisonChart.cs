namespace Dsd.Cli.Pictures;

/// <summary>
/// A folder's fingerprints side by side: one panel per α, the images along the axis, a bar per layer. Images whose
/// statistics change unusually across scales (blurred, noisy, synthetic) stand out from the natural ones.
/// </summary>
internal static class ImageComparisonChart
{
    public static byte[] RenderPng(IReadOnlyList<(string Name, LayerMeans Means)> images, string title)
    {
        if (images.Count == 0) throw new ArgumentException("no images to compare", nameof(images));
        var first = images[0].Means;
        var names = images.Select(i => i.Name).ToList();
        var width = Math.Clamp(160 + 70 * images.Count, 900, 2400);
        var panels = first.Alphas.Select(alpha => GroupedBarChart.RenderPng(
            $"{title}: {FingerprintBarChart.AlphaLabel(alpha)}", "‖DSD_α^l‖₁ (mean |entry|)", names, first.Layers,
            first.Layers.Select(l => images.Select(i => i.Means.MeanAbs(alpha, l)).ToArray()).ToArray(),
            width, 520, rotateLabels: true)).ToList();
        return PngStack.Vertical(panels);
    }
}
