using static TorchSharp.torch;

namespace Dsd.Restoration;

/// <summary>
/// Runs a fully convolutional restoration network over an image of any size in overlapping tiles and blends the
/// outputs with weights that ramp linearly across each overlap, so seams do not show. An image that fits in one
/// tile is run whole, so its output is exactly the whole-image output.
/// </summary>
public static class TiledInference
{
    /// <summary>
    /// Restores <paramref name="input"/> [1,3,h,w] (on the network's device) and returns [1,3,s·h,s·w] clamped to
    /// [0,1]. Runs under <c>inference_mode</c>.
    /// </summary>
    /// <param name="network">The generator, in eval mode.</param>
    /// <param name="input">The degraded image [1,3,h,w] in [0,1].</param>
    /// <param name="scale">Output pixels per input pixel (4 for ×4 SR, 1 for deblurring).</param>
    /// <param name="tile">Tile side in input pixels.</param>
    /// <param name="overlap">Overlap between neighbouring tiles in input pixels (less than <paramref name="tile"/>).</param>
    public static Tensor Run(nn.Module<Tensor, Tensor> network, Tensor input, int scale, int tile = 256, int overlap = 16)
    {
        if (tile < 1) throw new DsdException(DsdErrorKind.InvalidInput, $"tile size must be ≥ 1, got {tile}");
        if (overlap < 0 || overlap >= tile) throw new DsdException(DsdErrorKind.InvalidInput, $"tile overlap must be in [0, {tile}), got {overlap}");
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var (h, w) = ((int)input.shape[2], (int)input.shape[3]);
        if (h <= tile && w <= tile)
            return network.call(input).clamp(0f, 1f).MoveToOuterDisposeScope();

        var rows = Starts(h, tile, overlap);
        var cols = Starts(w, tile, overlap);
        var output = zeros(1, 3, (long)h * scale, (long)w * scale, device: input.device);
        var weight = zeros(1, 1, (long)h * scale, (long)w * scale, device: input.device);
        for (var i = 0; i < rows.Length; i++)
        for (var j = 0; j < cols.Length; j++)
        {
            using var tileScope = NewDisposeScope();
            var (y0, th) = (rows[i], Math.Min(tile, h));
            var (x0, tw) = (cols[j], Math.Min(tile, w));
            var y = network.call(input.narrow(2, y0, th).narrow(3, x0, tw));
            var wy = Ramp(th * scale, Overlap(rows, i - 1, i, th) * scale, Overlap(rows, i, i + 1, th) * scale, input.device);
            var wx = Ramp(tw * scale, Overlap(cols, j - 1, j, tw) * scale, Overlap(cols, j, j + 1, tw) * scale, input.device);
            var mask = wy.view(1, 1, -1, 1) * wx.view(1, 1, 1, -1);
            var (oy, ox) = ((long)y0 * scale, (long)x0 * scale);
            output.narrow(2, oy, (long)th * scale).narrow(3, ox, (long)tw * scale).add_(y * mask);
            weight.narrow(2, oy, (long)th * scale).narrow(3, ox, (long)tw * scale).add_(mask);
        }
        return (output / weight).clamp_(0f, 1f).MoveToOuterDisposeScope();
    }

    /// <summary>Tile starts along one side: stride tile − overlap, the last tile flush with the end.</summary>
    internal static int[] Starts(int length, int tile, int overlap)
    {
        if (length <= tile) return [0];
        var starts = new List<int>();
        for (var s = 0; ; s += tile - overlap)
        {
            if (s + tile >= length) { starts.Add(length - tile); break; }
            starts.Add(s);
        }
        return starts.ToArray();
    }

    static int Overlap(int[] starts, int a, int b, int tile) =>
        a < 0 || b >= starts.Length ? 0 : Math.Max(0, starts[a] + tile - starts[b]);

    /// <summary>Weights 1 inside, rising linearly over <paramref name="head"/> samples and falling over <paramref name="tail"/>.</summary>
    static Tensor Ramp(int length, int head, int tail, Device device)
    {
        var r = new float[length];
        for (var k = 0; k < length; k++)
        {
            var v = 1f;
            // Half-sample offsets keep every weight positive and make the two ramps of an overlap sum to one.
            if (k < head) v = Math.Min(v, (k + 0.5f) / head);
            if (k >= length - tail) v = Math.Min(v, (length - k - 0.5f) / tail);
            r[k] = v;
        }
        return tensor(r, device: device);
    }
}
