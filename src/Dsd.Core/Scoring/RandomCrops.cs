using static TorchSharp.torch;

namespace Dsd.Scoring;

/// <summary>
/// K random N×N windows at the same positions in the distorted and reference images, as the reference evaluator's
/// --num-crops/--crop-size. Positions depend only on the seed, the pair's index and the image size.
/// </summary>
public static class RandomCrops
{
    public static IReadOnlyList<(int Top, int Left)> Positions(int height, int width, int size, int count, int seed, int pairIndex)
    {
        if (size > height || size > width)
            throw new DsdException(DsdErrorKind.InvalidInput, $"image is {width}×{height}, smaller than the {size}×{size} crop");
        // Not HashCode.Combine: it is salted per process, which made positions differ between runs (and shards).
        var random = new Random(unchecked(seed * 1_000_003 + pairIndex));
        return Enumerable.Range(0, count).Select(_ => (random.Next(height - size + 1), random.Next(width - size + 1))).ToList();
    }

    public static Tensor Crop(Tensor image, (int Top, int Left) at, int size) =>
        image[.., .., TensorIndex.Slice(at.Top, at.Top + size), TensorIndex.Slice(at.Left, at.Left + size)];
}
