using static TorchSharp.torch;

namespace Dsd.Dissimilarity;

/// <summary>SPEC §1: G(F) = F·Fᵀ / (C·H·W), with F [B,C,H,W] viewed as [B,C,H·W]; result [B,C,C].</summary>
public static class Gram
{
    public static Tensor Of(Tensor features)
    {
        var (b, c, h, w) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3]);
        var f = features.reshape(b, c, h * w);
        return f.bmm(f.transpose(1, 2)).div_(c * h * w);
    }
}
