using Dsd.Weights;

namespace Dsd.Features;

/// <summary>
/// How to run VGG19 over an image tile by tile so that every activation kept equals the whole-image one: cores
/// start at multiples of <see cref="Align"/> (the deepest tap's pooling stride, so 2×2 pools see the same pixel
/// pairs) and are run with <see cref="Halo"/> pixels of real image around them (zero padding then happens only at
/// the image's own borders, as in the whole pass). Sums over positions (Gram matrices) are then exact by tiles.
/// </summary>
/// <param name="Align">Pooling stride of the deepest tap (4 for relu3_1): core boundaries are multiples of it.</param>
/// <param name="Halo">Context on each side, a multiple of <see cref="Align"/> covering the receptive radius.</param>
/// <param name="Core">Core side in input pixels, a multiple of <see cref="Align"/>.</param>
public sealed record VggTiling(int Align, int Halo, int Core)
{
    /// <summary>
    /// Factor over the counted activations. The count already assumes every tap and both sides of the widest conv
    /// live at once; measured peaks (README, "Large images") stay below half of it, so no extra headroom is added.
    /// </summary>
    const double Headroom = 1.0;

    /// <summary>Align and halo for the taps of an extractor.</summary>
    public static (int Align, int Halo) Geometry(IEnumerable<string> taps)
    {
        var deepest = taps.Max(Vgg19Layers.IndexOf);
        // Receptive radius: each 3×3 conv adds one pixel of its layer (stride s input pixels); a 2×2 pool adds one
        // on its right side. Counting both sides with the larger value keeps the rule simple and safe.
        var (radius, stride) = (0, 1);
        for (var i = 0; i <= deepest; i++)
        {
            var name = Vgg19Layers.Names[i];
            if (name.StartsWith("conv", StringComparison.Ordinal)) radius += stride;
            else if (name.StartsWith("pool", StringComparison.Ordinal)) { radius += stride; stride *= 2; }
        }
        var align = Vgg19Layers.Stride(deepest);
        return (align, (radius + align - 1) / align * align);
    }

    /// <summary>
    /// Bytes a no-gradient pass keeps per input pixel and image: the input and its normalised, channels-last
    /// copies, every tap held until its Gram is taken, and the widest convolution's input plus output.
    /// </summary>
    public static double BytesPerPixel(IEnumerable<string> taps)
    {
        var list = taps.Select(Vgg19Layers.IndexOf).ToList();
        var deepest = list.Max();
        var kept = list.Sum(i => (double)Channels(i) / Area(i));
        var widest = Vgg19Layout.ConvsUpTo(deepest).Max(c => (double)(c.InChannels + c.OutChannels) / Area(c.Index));
        return (9 + kept + widest) * sizeof(float) * Headroom;
    }

    /// <summary>Estimated peak bytes of one whole-image pass over a [B,3,H,W] batch.</summary>
    public static double WholeBytes(IEnumerable<string> taps, long batch, long height, long width) =>
        BytesPerPixel(taps) * batch * height * width;

    /// <summary>
    /// The tiling for a [B,3,H,W] batch under <paramref name="budget"/>, or null when the whole pass fits.
    /// <paramref name="heldBytes"/> is memory the caller already holds (the image itself, its downscaled copy).
    /// </summary>
    /// <exception cref="DsdException">Even the smallest tile does not fit (InvalidInput, with the memory it needs).</exception>
    public static VggTiling? Plan(IReadOnlyList<string> taps, long batch, long height, long width, MemoryBudget budget, long heldBytes = 0)
    {
        var available = budget.Bytes - heldBytes;
        if (WholeBytes(taps, batch, height, width) <= available) return null;
        var (align, halo) = Geometry(taps);
        var pixels = available / (BytesPerPixel(taps) * batch);
        var side = pixels > 0 ? (int)Math.Min(int.MaxValue / 2, Math.Sqrt(pixels)) : 0;
        var core = (side - 2 * halo) / align * align;
        // Below ~2 halos of core the halo work dominates; refuse rather than crawl.
        var minimum = Math.Max(2 * halo, 4 * align);
        if (core < minimum)
        {
            var needed = heldBytes + WholeBytes(taps, batch, minimum + 2 * halo, minimum + 2 * halo);
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"a {width}×{height} image needs at least {MemoryBudget.Format(needed)} for tiled VGG features, more than the memory budget {budget} (--max-memory)");
        }
        return new VggTiling(align, halo, core);
    }

    /// <summary>Consecutive [start, end) cores covering <paramref name="length"/>; every start is a multiple of <see cref="Align"/>.</summary>
    public IEnumerable<(int Start, int End)> Cores(int length)
    {
        for (var start = 0; start < length; start += Core) yield return (start, Math.Min(length, start + Core));
    }

    static int Area(int index) => Vgg19Layers.Stride(index) * Vgg19Layers.Stride(index);

    static int Channels(int index)
    {
        for (var i = index; i >= 0; i--)
            if (Vgg19Layout.ConvAt(i) is { } conv) return conv.OutChannels;
        return 3;
    }
}
