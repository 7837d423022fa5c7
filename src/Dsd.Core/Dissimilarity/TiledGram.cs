using Dsd.Features;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Dissimilarity;

/// <summary>
/// Gram matrices of VGG19 taps for images of any size in bounded memory. G(F) = F·Fᵀ / (C·H·W) is a sum over
/// positions, so it is the sum of the per-tile F·Fᵀ over tiles that partition the positions, divided once by the
/// whole map's C·H·W. With the tiles of <see cref="VggTiling"/> (aligned to the pools, with a halo covering the
/// receptive field) every tile's core activations equal the whole pass's, so the result equals
/// <see cref="Gram.Of"/> of the whole image up to float rounding. No gradients: this is the inference path.
/// </summary>
public static class TiledGram
{
    /// <summary>
    /// G(φ_l(image)) [B,C,C] for every layer of <paramref name="layers"/>: one whole pass when it fits in
    /// <paramref name="budget"/> (minus <paramref name="heldBytes"/> the caller already holds), else by tiles.
    /// </summary>
    public static Dictionary<string, Tensor> Of(Vgg19Features vgg, Tensor image, IReadOnlyList<string> layers, MemoryBudget budget, long heldBytes = 0)
    {
        var tiling = VggTiling.Plan(vgg.Taps, image.shape[0], image.shape[2], image.shape[3], budget, heldBytes);
        return Of(vgg, image, layers, tiling);
    }

    /// <summary>G(φ_l(image)) per layer, whole when <paramref name="tiling"/> is null, else tile by tile.</summary>
    public static Dictionary<string, Tensor> Of(Vgg19Features vgg, Tensor image, IReadOnlyList<string> layers, VggTiling? tiling)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grams = tiling is null ? Whole(vgg, image, layers) : Tiled(vgg, image, layers, tiling);
        foreach (var g in grams.Values) g.MoveToOuterDisposeScope();
        return grams;
    }

    static Dictionary<string, Tensor> Whole(Vgg19Features vgg, Tensor image, IReadOnlyList<string> layers)
    {
        var taps = vgg.call(image);
        var grams = layers.ToDictionary(l => l, l => Gram.Of(taps[l]));
        foreach (var t in taps.Values) t.Dispose();
        return grams;
    }

    static Dictionary<string, Tensor> Tiled(Vgg19Features vgg, Tensor image, IReadOnlyList<string> layers, VggTiling tiling)
    {
        var (h, w) = ((int)image.shape[2], (int)image.shape[3]);
        // Partial sums in float64: thousands of tiles add up without the rounding drift of float32.
        var sums = new Dictionary<string, Tensor>();
        var channels = new Dictionary<string, long>();
        foreach (var (y0, y1) in tiling.Cores(h))
        foreach (var (x0, x1) in tiling.Cores(w))
        {
            using var tileScope = NewDisposeScope();
            var (cy0, cy1) = (Math.Max(0, y0 - tiling.Halo), Math.Min(h, y1 + tiling.Halo));
            var (cx0, cx1) = (Math.Max(0, x0 - tiling.Halo), Math.Min(w, x1 + tiling.Halo));
            var taps = vgg.call(image.narrow(2, cy0, cy1 - cy0).narrow(3, cx0, cx1 - cx0));
            foreach (var layer in layers)
            {
                var s = Vgg19Layers.Stride(Vgg19Layers.IndexOf(layer));
                // Core in the layer's own coordinates; the last core runs to the whole map's floor(H/s).
                var core = taps[layer]
                    .narrow(2, (y0 - cy0) / s, End(y1, h, s) - y0 / s)
                    .narrow(3, (x0 - cx0) / s, End(x1, w, s) - x0 / s);
                var part = UnnormalisedGram(core);
                if (sums.TryGetValue(layer, out var sum)) sum.add_(part);
                else
                {
                    sums[layer] = part.to_type(ScalarType.Float64).DetachFromDisposeScope();
                    channels[layer] = core.shape[1];
                }
            }
            foreach (var t in taps.Values) t.Dispose();
        }
        var result = new Dictionary<string, Tensor>();
        foreach (var layer in layers)
        {
            var s = Vgg19Layers.Stride(Vgg19Layers.IndexOf(layer));
            var positions = (double)(h / s) * (w / s);
            result[layer] = sums[layer].div_(channels[layer] * positions).to_type(ScalarType.Float32);
            sums[layer].Dispose();
        }
        return result;
    }

    static int End(int coreEnd, int length, int stride) => coreEnd == length ? length / stride : coreEnd / stride;

    /// <summary>F·Fᵀ [B,C,C] of features [B,C,h,w] in any memory layout, in float32 (reduced precision widened first).</summary>
    static Tensor UnnormalisedGram(Tensor features)
    {
        var f = features.dtype is ScalarType.BFloat16 or ScalarType.Float16 ? features.to_type(ScalarType.Float32) : features;
        var (b, c) = (f.shape[0], f.shape[1]);
        // [B,h·w,C]: a view for channels-last maps, one copy of the core otherwise.
        var n = f.permute(0, 2, 3, 1).reshape(b, -1, c);
        return n.transpose(1, 2).bmm(n);
    }
}
