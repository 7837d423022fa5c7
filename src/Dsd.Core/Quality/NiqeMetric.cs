using Dsd.NoReference;

using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// <see cref="Niqe"/> as a no-reference metric: "niqe" on MATLAB's gray (the release's convention), "niqe-y" on BT.601
/// luma (BasicSR's and most SR papers'). Both round the channel to integers first, as the references do.
/// </summary>
public sealed class NiqeMetric(bool onY = false, NiqeModel? model = null) : IQualityMetric
{
    readonly NiqeModel model = model ?? NiqeModel.Shipped;

    /// <summary>Whether NIQE is taken on luma rather than gray.</summary>
    public bool OnY { get; } = onY;

    /// <summary>The catalogue name, for error messages.</summary>
    string Name => OnY ? "niqe-y" : "niqe";

    /// <exception cref="DsdException">An image under two 96×96 blocks (InvalidInput); a flat image (Numerical).</exception>
    public double Score(Tensor distorted, Tensor? reference)
    {
        var image = EightBitImage.From(distorted, Name);
        return MetricChecks.Finite(Name, Niqe.Score(Channel(image, OnY), image.Height, image.Width, model));
    }

    /// <summary>
    /// The channel NIQE is computed on, on the 0..255 scale and rounded (half to even, as numpy): MATLAB
    /// <c>rgb2gray</c>'s gray, or BasicSR's Y = 16 + (65.481 R + 128.553 G + 24.966 B)/255.
    /// </summary>
    internal static double[] Channel(EightBitImage image, bool onY)
    {
        var result = new double[image.R.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var v = onY ? Luma(image.R[i], image.G[i], image.B[i]) : GrayR * image.R[i] + GrayG * image.G[i] + GrayB * image.B[i];
            result[i] = Math.Round(v, MidpointRounding.ToEven);
        }
        return result;
    }

    /// <summary>MATLAB rgb2gray's weights (the first row of the inverse NTSC matrix), as <see cref="ColorSpace.RgbToGray"/>.</summary>
    const double GrayR = 0.298936021293775, GrayG = 0.587043074451121, GrayB = 0.114020904255103;

    /// <summary>
    /// BasicSR's <c>to_y_channel</c> step by step: channels /255 in float32, the BT.601 dot product (B, G, R order) + 16 in
    /// float64, /255 and stored as float32, ×255 in float32. Each rounding shows in the rounded Y (niqe-y moved by up to
    /// 0.005 on the reference images when Y was computed in float64 alone).
    /// </summary>
    static double Luma(byte r, byte g, byte b)
    {
        var unit = (float)((24.966 * (b / 255f) + 128.553 * (g / 255f) + 65.481 * (r / 255f) + 16.0) / 255.0);
        return unit * 255f;
    }
}
