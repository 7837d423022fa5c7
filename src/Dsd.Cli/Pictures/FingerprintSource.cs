using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Imaging;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Cli.Pictures;

/// <summary>
/// VGG19 set up once for the fingerprint layers (docs/method.md §1: relu1_2, relu2_1, relu2_2, relu3_1; α ∈ {2, 4}); turns
/// image files into <see cref="FingerprintMatrices"/> for the pictures. Shared by <c>visualize</c> and the report.
/// </summary>
internal sealed class FingerprintSource(VggWeights weights, Device device) : IDisposable
{
    readonly Vgg19Features vgg = new(DsdOptions.Fingerprint.Layers, weights, device);

    public DsdOptions Options => DsdOptions.Fingerprint;

    /// <exception cref="DsdException">Unreadable or too small image (the message names the file), NaN in the result.</exception>
    public FingerprintMatrices Compute(string path)
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var image = ImageIo.Load(path, device);
        try
        {
            using var print = Fingerprint.Compute(vgg, image, Options);
            var matrices = FingerprintMatrices.From(print);
            foreach (var (key, m) in matrices.Matrices)
                foreach (var v in m)
                    if (!float.IsFinite(v))
                        throw new DsdException(DsdErrorKind.Numerical, $"{path}: DSD {DsdOptions.AlphaName(key.Alpha)}/{key.Layer} contains NaN or infinity");
            return matrices;
        }
        catch (DsdException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new DsdException(e.Kind, $"{path}: {e.Message}", e);
        }
    }

    public void Dispose() => vgg.Dispose();
}
