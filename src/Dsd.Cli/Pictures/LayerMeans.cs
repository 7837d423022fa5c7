namespace Dsd.Cli.Pictures;

/// <summary>
/// ‖DSD_α^l‖₁ (mean |entry|, docs/method.md §1) per α and layer: all a folder comparison keeps of each image, so a large folder
/// does not hold every image's matrices in memory.
/// </summary>
internal sealed record LayerMeans(IReadOnlyList<double> Alphas, IReadOnlyList<string> Layers, IReadOnlyDictionary<(double Alpha, string Layer), double> Values)
{
    public double MeanAbs(double alpha, string layer) => Values[(alpha, layer)];
}
