using SkiaSharp;
using static TorchSharp.torch;

namespace Dsd.Imaging;

/// <summary>The synthetic distortions the no-reference measure is calibrated and selected on (docs/method.md §3).</summary>
public enum DistortionKind
{
    /// <summary>Gaussian blur; strength = σ in pixels.</summary>
    Blur,

    /// <summary>Additive white Gaussian noise; strength = σ in grey levels of 255.</summary>
    Noise,

    /// <summary>JPEG compression; strength = quality 1–100 (lower is stronger).</summary>
    Jpeg,

    /// <summary>Bicubic downscaling by the strength (a factor &gt; 1), then back up to the original size.</summary>
    Resample,
}

/// <summary>
/// Applies a <see cref="DistortionKind"/> to an RGB image [1,3,H,W] in [0,1]. Every result is rounded to 8 bits, as
/// the same distortion saved to a file would be, and is deterministic for a given seed.
/// </summary>
public static class SyntheticDistortion
{
    public static IReadOnlyList<DistortionKind> Kinds { get; } = Enum.GetValues<DistortionKind>();

    public static string Name(this DistortionKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Whether a larger strength is a stronger distortion (false for JPEG quality).</summary>
    public static bool StrongerWhenLarger(this DistortionKind kind) => kind != DistortionKind.Jpeg;

    /// <summary><paramref name="image"/> [1,3,H,W] with <paramref name="kind"/> at <paramref name="strength"/>; the seed drives the noise.</summary>
    public static Tensor Apply(Tensor image, DistortionKind kind, double strength, long seed = 0)
    {
        using var scope = NewDisposeScope();
        var result = kind switch
        {
            DistortionKind.Blur => Blur(image, strength),
            DistortionKind.Noise => image + randn(image.shape, generator: new Generator((ulong)seed), device: image.device) * (strength / 255),
            DistortionKind.Jpeg => Jpeg(image, (int)Math.Round(strength)),
            DistortionKind.Resample => Imresize.Resize(Imresize.Scale(image, 1 / strength), (int)image.shape[2], (int)image.shape[3]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return result.clamp(0, 1).mul(255).round().div(255).MoveToOuterDisposeScope();
    }

    /// <summary>Separable Gaussian blur with a kernel of radius ⌈3σ⌉, borders replicated.</summary>
    public static Tensor Blur(Tensor x, double sigma)
    {
        using var scope = NewDisposeScope();
        var radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var t = arange(-radius, radius + 1, dtype: x.dtype, device: x.device);
        var k = exp(-(t * t) / (2 * sigma * sigma));
        k /= k.sum();
        var c = x.shape[1];
        var padded = nn.functional.pad(x, [radius, radius, radius, radius], TorchSharp.PaddingModes.Replicate);
        var horizontal = nn.functional.conv2d(padded, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups: c);
        return nn.functional.conv2d(horizontal, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups: c).MoveToOuterDisposeScope();
    }

    /// <summary>Encodes the image as a JPEG of <paramref name="quality"/> with Skia's encoder and decodes it again.</summary>
    public static Tensor Jpeg(Tensor x, int quality)
    {
        var (h, w) = ((int)x.shape[2], (int)x.shape[3]);
        using var image = ImageIo.ToSkImage(x[0]) ?? throw new DsdException(DsdErrorKind.Io, $"could not create a {w}×{h} image for JPEG encoding");
        using var encoded = image.Encode(SKEncodedImageFormat.Jpeg, Math.Clamp(quality, 1, 100));
        using var raw = SKBitmap.Decode(encoded);
        using var decoded = raw.Copy(SKColorType.Rgba8888);
        using var outer = NewDisposeScope();
        var bytes = tensor(decoded.Bytes, new long[] { h, w, 4 });
        return bytes.narrow(2, 0, 3).permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Float32).div(255).to(x.device).MoveToOuterDisposeScope();
    }
}
