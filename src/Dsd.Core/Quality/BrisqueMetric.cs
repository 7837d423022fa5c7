using Dsd.NoReference;

using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary><see cref="Brisque"/> as a no-reference metric on OpenCV's 8-bit gray of the image.</summary>
public sealed class BrisqueMetric(BrisqueModel? model = null) : IQualityMetric
{
    readonly BrisqueModel model = model ?? BrisqueModel.Shipped;

    /// <summary>The catalogue name, for error messages.</summary>
    string Name => "brisque";

    /// <exception cref="DsdException">An image under 4×4 (InvalidInput).</exception>
    public double Score(Tensor distorted, Tensor? reference)
    {
        var image = EightBitImage.From(distorted, Name);
        var gray = new byte[image.R.Length];
        for (var i = 0; i < gray.Length; i++) gray[i] = Brisque.Gray(image.R[i], image.G[i], image.B[i]);
        return MetricChecks.Finite(Name, Brisque.Score(gray, image.Height, image.Width, model));
    }
}
