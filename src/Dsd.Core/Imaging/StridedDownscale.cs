using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Imaging;

/// <summary>
/// The strided fixed-kernel ×α downscale of the reference code, as one depthwise conv2d (groups = C): fast,
/// differentiable, and equal to MATLAB imresize at scale 1/α up to the output-size rule (floor, not ceil).
/// </summary>
internal static class StridedDownscale
{
    public static Tensor Apply(Tensor x, int h, int w, int factor)
    {
        using var scope = NewDisposeScope();
        var size = 4 * factor;
        var pad = (size - factor) / 2;
        var channels = x.shape[1];

        // Symmetric padding as a gather: differentiable, device-agnostic, and valid even when the
        // padding exceeds the image (indices fold back periodically, like MATLAB's mirror rule).
        var padded = x.index_select(2, PadIndex(h, pad, x.device)).index_select(3, PadIndex(w, pad, x.device));

        var taps = torch.tensor(CubicKernel.StridedTaps(factor)).to(x.dtype, x.device);
        var kernel = outer(taps, taps).expand(channels, 1, size, size).contiguous();
        var y = nn.functional.conv2d(padded, kernel, strides: new long[] { factor, factor }, groups: channels);
        return y.MoveToOuterDisposeScope();
    }

    static Tensor PadIndex(int length, int pad, Device device)
    {
        var index = new long[length + 2 * pad];
        for (var i = 0; i < index.Length; i++) index[i] = CubicKernel.Mirror(i - pad, length);
        return torch.tensor(index, device: device);
    }
}
