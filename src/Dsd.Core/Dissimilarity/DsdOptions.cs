using System.Globalization;

namespace Dsd.Dissimilarity;

/// <summary>Which VGG layers l and downscale factors α the DSD sums over (SPEC §1–2).</summary>
public sealed record DsdOptions(IReadOnlyList<string> Layers, IReadOnlyList<double> Alphas)
{
    /// <summary>Full-reference image quality: relu1_2, relu2_1, relu3_1; α = 2.</summary>
    public static DsdOptions ImageQuality { get; } = new(["relu1_2", "relu2_1", "relu3_1"], [2]);

    /// <summary>Restoration training loss: relu2_1, relu2_2, relu3_1; α = 2.</summary>
    public static DsdOptions RestorationLoss { get; } = new(["relu2_1", "relu2_2", "relu3_1"], [2]);

    /// <summary>The fingerprint of SPEC §1: relu1_2, relu2_1, relu2_2, relu3_1; α ∈ {2, 4}.</summary>
    public static DsdOptions Fingerprint { get; } = new(["relu1_2", "relu2_1", "relu2_2", "relu3_1"], [2, 4]);

    /// <summary>"alpha2", "alpha4", "alpha1.5": the prefix of fingerprint tensor names.</summary>
    public static string AlphaName(double alpha) => "alpha" + alpha.ToString(CultureInfo.InvariantCulture);

    public override string ToString() =>
        $"layers {string.Join(",", Layers)}; alpha {string.Join(",", Alphas.Select(a => a.ToString(CultureInfo.InvariantCulture)))}";
}
