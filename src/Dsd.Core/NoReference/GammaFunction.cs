namespace Dsd.NoReference;

/// <summary>
/// Euler's Γ for positive arguments (Lanczos approximation, g = 7, nine terms: relative error about 1e-15), which the
/// generalized-Gaussian fits of NIQE and BRISQUE need and .NET does not provide.
/// </summary>
internal static class GammaFunction
{
    static readonly double[] Coefficients =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    /// <summary>Γ(<paramref name="x"/>) for x &gt; 0; NaN for NaN.</summary>
    public static double Gamma(double x)
    {
        if (x < 0.5) return Math.PI / (Math.Sin(Math.PI * x) * Gamma(1 - x));
        x -= 1;
        var sum = Coefficients[0];
        for (var i = 1; i < Coefficients.Length; i++) sum += Coefficients[i] / (x + i);
        var t = x + 7.5;
        return Math.Sqrt(2 * Math.PI) * Math.Pow(t, x + 0.5) * Math.Exp(-t) * sum;
    }

    /// <summary>
    /// ρ(γ) = Γ(2/γ)² / (Γ(1/γ) Γ(3/γ)): the ratio (E|x|)² / E x² of a generalized Gaussian with shape γ, increasing
    /// in γ. Both fits find γ by matching it to the sample's ratio.
    /// </summary>
    public static double ShapeRatio(double shape)
    {
        var g2 = Gamma(2 / shape);
        return g2 * g2 / (Gamma(1 / shape) * Gamma(3 / shape));
    }
}
