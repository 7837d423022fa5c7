using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Imaging;

/// <summary>
/// The strided fixed-kernel ×α downscale of the reference code, as one depthwise conv2d (groups = C): fast,
/// differentiable, and equal to MATLAB imresize at scale 1/α up to the output-size rule (floor, not ceil).
/// </summary>
internal static class StridedDownscale
{
    /// <param name="x">Images [B,C,h,w].</param>
    /// <param name="h">Height of <paramref name="x"/>.</param>
    /// <param name="w">Width of <paramref name="x"/>.</param>
    /// <param name="factor">α.</param>
    /// <param name="rows">Output rows [start, end) to compute (default all, floor(h/α)): a strip of the result
    /// equals the same rows of the whole result, from only the input rows its kernel reaches.</param>
    public static Tensor Apply(Tensor x, int h, int w, int factor, (int Start, int End)? rows = null)
    {
        using var scope = NewDisposeScope();
        var size = 4 * factor;
        var pad = (size - factor) / 2;
        var channels = x.shape[1];

        // Symmetric padding as a gather: differentiable, device-agnostic, and valid even when the
        // padding exceeds the image (indices fold back periodically, like MATLAB's mirror rule).
        var rowIndex = rows is { } r ? PadIndex(h, pad, x.device, r.Start * factor, (r.End - r.Start) * factor + size - factor) : PadIndex(h, pad, x.device);
        var padded = x.index_select(2, rowIndex)
            .index_select(3, PadIndex(w, pad, x.device));

        var taps = torch.tensor(CubicKernel.StridedTaps(factor)).to(x.dtype, x.device);
        var kernel = outer(taps, taps).expand(channels, 1, size, size).contiguous();
        var y = nn.functional.conv2d(padded, kernel, strides: new long[] { factor, factor }, groups: channels);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Source index of padded positions [from, from + count) (default: the whole padded axis).</summary>
    static Tensor PadIndex(int length, int pad, Device device, int from = 0, int? count = null)
    {
        var index = new long[count ?? length + 2 * pad];
        for (var i = 0; i < index.Length; i++) index[i] = CubicKernel.Mirror(from + i - pad, length);
        return torch.tensor(index, device: device);
    }
}
