using static TorchSharp.torch;

namespace Dsd.Tests.Experiments;

/// <summary>Small seeded test images: smooth content, and textures of different grain for a reference.</summary>
internal static class ExperimentImages
{
    /// <summary>A smooth image: bilinear upsampling of a coarse random grid.</summary>
    public static Tensor Smooth(int side, int seed, int cells = 6)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        var coarse = rand(1, 3, cells, cells, generator: g);
        return nn.functional.interpolate(coarse, [side, side], mode: InterpolationMode.Bilinear, align_corners: false).MoveToOuterDisposeScope();
    }

    /// <summary>A texture: a smooth image plus strong pixel noise.</summary>
    public static Tensor Textured(int side, int seed, double grain = 0.5)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed + 1000);
        var noise = rand(1, 3, side, side, generator: g);
        return (Smooth(side, seed) * (1 - grain) + noise * grain).MoveToOuterDisposeScope();
    }
}
