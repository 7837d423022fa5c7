using System.Globalization;
using Dsd.Weights;

namespace Dsd.Dissimilarity;

/// <summary>Which VGG layers l and downscale factors α the DSD sums over (docs/method.md §1–2).</summary>
public sealed record DsdOptions(IReadOnlyList<string> Layers, IReadOnlyList<double> Alphas)
{
    /// <summary>Full-reference image quality: relu1_2, relu2_1, relu3_1; α = 2.</summary>
    public static DsdOptions ImageQuality { get; } = new(["relu1_2", "relu2_1", "relu3_1"], [2]);

    /// <summary>Restoration training loss: relu2_1, relu2_2, relu3_1; α = 2.</summary>
    public static DsdOptions RestorationLoss { get; } = new(["relu2_1", "relu2_2", "relu3_1"], [2]);

    /// <summary>The fingerprint of docs/method.md §1: relu1_2, relu2_1, relu2_2, relu3_1; α ∈ {2, 4}.</summary>
    public static DsdOptions Fingerprint { get; } = new(["relu1_2", "relu2_1", "relu2_2", "relu3_1"], [2, 4]);

    /// <summary>
    /// Options from comma-separated text, as the command line and training configs give them; a layer that is not
    /// VGG19's or a factor that is not a number above 1 is a usage error naming <paramref name="source"/>.
    /// </summary>
    public static DsdOptions Parse(string layers, string alphas, string source = "dsd")
    {
        var layerList = Split(layers);
        if (layerList.Count == 0) throw new DsdException(DsdErrorKind.Usage, $"{source} layers: at least one VGG19 layer is required");
        foreach (var layer in layerList) Vgg19Layers.IndexOf(layer);
        return new DsdOptions(layerList, ParseAlphas(alphas, $"{source} alphas"));
    }

    /// <summary>Downscale factors from text such as <c>2,4</c>; each must be a number greater than 1.</summary>
    public static IReadOnlyList<double> ParseAlphas(string text, string source)
    {
        var result = new List<double>();
        foreach (var part in Split(text))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var alpha) || !(alpha > 1) || !double.IsFinite(alpha))
                throw new DsdException(DsdErrorKind.Usage, $"{source}: '{part}' is not a downscale factor greater than 1 (e.g. 2 or 4)");
            result.Add(alpha);
        }
        if (result.Count == 0) throw new DsdException(DsdErrorKind.Usage, $"{source}: at least one factor is required");
        return result;
    }

    static List<string> Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>"alpha2", "alpha4", "alpha1.5": the prefix of fingerprint tensor names.</summary>
    public static string AlphaName(double alpha) => "alpha" + alpha.ToString(CultureInfo.InvariantCulture);

    public override string ToString() =>
        $"layers {string.Join(",", Layers)}; alpha {string.Join(",", Alphas.Select(a => a.ToString(CultureInfo.InvariantCulture)))}";
}
