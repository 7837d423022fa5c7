using static TorchSharp.torch;

namespace Dsd.Dissimilarity;

/// <summary>docs/method.md §1: G(F) = F·Fᵀ / (C·H·W), with F [B,C,H,W] viewed as [B,C,H·W]; result [B,C,C].</summary>
public static class Gram
{
    /// <remarks>
    /// Reduced-precision features (bfloat16, float16) are multiplied in float32: a DSD is a difference of two nearly
    /// equal Grams, which an 8-bit mantissa would mostly cancel away. The result is float32 then.
    /// </remarks>
    public static Tensor Of(Tensor features)
    {
        if (features.dtype is ScalarType.BFloat16 or ScalarType.Float16)
        {
            using var wide = features.to_type(ScalarType.Float32);
            return Of(wide);
        }
        var (b, c, h, w) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3]);
        if (!features.is_contiguous() && IsChannelsLast(features))
        {
            // NHWC in memory: [B,H·W,C] is a view, and G = Nᵀ·N needs no copy.
            var n = features.permute(0, 2, 3, 1).reshape(b, h * w, c);
            return n.transpose(1, 2).bmm(n).DivInPlace(c * h * w);
        }
        var f = features.reshape(b, c, h * w);
        return f.bmm(f.transpose(1, 2)).DivInPlace(c * h * w);
    }

    static bool IsChannelsLast(Tensor t)
    {
        var s = t.stride();
        return t.dim() == 4 && s[1] == 1 && s[3] == t.shape[1] && s[2] == t.shape[1] * t.shape[3];
    }
}
