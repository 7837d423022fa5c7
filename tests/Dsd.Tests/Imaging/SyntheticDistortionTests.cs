using Dsd.Imaging;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Imaging;

/// <summary>The synthetic distortions that calibrate and select the no-reference form.</summary>
public class SyntheticDistortionTests
{
    static Tensor Photo()
    {
        var g = new Generator(11);
        var coarse = rand(1, 3, 8, 8, generator: g);
        return nn.functional.interpolate(coarse, [64, 64], mode: InterpolationMode.Bilinear, align_corners: false)
            .mul(0.7).add(rand(1, 3, 64, 64, generator: g).mul(0.3)).mul(255).round().div(255);
    }

    /// <summary>Mean squared difference between horizontal neighbours: the high-frequency energy.</summary>
    static double Detail(Tensor x) => (x[.., .., .., 1..] - x[.., .., .., ..^1]).square().mean().item<float>();

    [Fact]
    public void StrongerDistortionsMoveFurtherFromTheImage()
    {
        var x = Photo();
        foreach (var (kind, weak, strong) in new[] { (DistortionKind.Blur, 0.5, 2.0), (DistortionKind.Noise, 2.0, 12.0), (DistortionKind.Jpeg, 90.0, 30.0), (DistortionKind.Resample, 1.5, 3.0) })
        {
            var a = (SyntheticDistortion.Apply(x, kind, weak, 1) - x).square().mean().item<float>();
            var b = (SyntheticDistortion.Apply(x, kind, strong, 1) - x).square().mean().item<float>();
            Assert.True(0 < a && a < b, $"{kind}: weak {a}, strong {b}");
        }
        // Blur and resampling remove detail, noise adds it.
        Assert.True(Detail(SyntheticDistortion.Apply(x, DistortionKind.Blur, 1.5)) < 0.5 * Detail(x));
        Assert.True(Detail(SyntheticDistortion.Apply(x, DistortionKind.Resample, 3)) < 0.5 * Detail(x));
        Assert.True(Detail(SyntheticDistortion.Apply(x, DistortionKind.Noise, 10, 1)) > Detail(x));
    }

    [Fact]
    public void ResultsAreEightBitSameSizeAndDeterministic()
    {
        var x = Photo();
        foreach (var kind in SyntheticDistortion.Kinds)
        {
            var y = SyntheticDistortion.Apply(x, kind, kind == DistortionKind.Jpeg ? 50 : 2, seed: 4);
            Assert.Equal(x.shape, y.shape);
            Assert.True(y.mul(255).sub(y.mul(255).round()).abs().max().item<float>() < 1e-3, $"{kind}: not 8-bit");
            Assert.True(y.eq(SyntheticDistortion.Apply(x, kind, kind == DistortionKind.Jpeg ? 50 : 2, seed: 4)).all().item<bool>(), $"{kind}: not deterministic");
        }
        // A constant image is a fixed point of blur and resampling; noise of σ 8 has about that standard deviation.
        var grey = full(1, 3, 64, 64, 0.5f);
        Assert.True((SyntheticDistortion.Apply(grey, DistortionKind.Blur, 2) - grey).abs().max().item<float>() < 3e-3);
        Assert.True((SyntheticDistortion.Apply(grey, DistortionKind.Resample, 2) - grey).abs().max().item<float>() < 3e-3);
        var noise = (SyntheticDistortion.Apply(grey, DistortionKind.Noise, 8, 9) - grey).std().item<float>() * 255;
        Assert.InRange(noise, 7.6, 8.4);
    }
}
