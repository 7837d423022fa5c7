namespace Dsd.Imaging;

/// <summary>
/// <see cref="Imresize"/>'s MATLAB bicubic by a scale factor, on one float64 plane in plain arrays: for the scalar
/// CPU metrics (NIQE), where building tensors would cost more than the arithmetic. Rows are resized first, then
/// columns, as MATLAB does when both scales are equal; the weights are <see cref="CubicKernel.Contributions"/>.
/// </summary>
public static class PlaneImresize
{
    /// <summary>Resizes the row-major <paramref name="height"/> × <paramref name="width"/> plane by <paramref name="scale"/>.</summary>
    /// <returns>The plane of ceil(H·s) × ceil(W·s) and its size.</returns>
    public static (double[] Plane, int Height, int Width) Scale(double[] plane, int height, int width, double scale, bool antialias = true)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new DsdException(DsdErrorKind.InvalidInput, $"resize: scale {scale} must be a positive finite number");
        if (plane.Length != (long)height * width || height < 1 || width < 1)
            throw new ArgumentException($"a plane of {plane.Length} values is not {height}×{width}", nameof(plane));
        var outH = Imresize.OutputSide(height, scale);
        var outW = Imresize.OutputSide(width, scale);
        var rows = CubicKernel.Contributions(height, outH, scale, antialias);
        var cols = CubicKernel.Contributions(width, outW, scale, antialias);

        var tall = new double[outH * width];
        for (var o = 0; o < outH; o++)
        {
            var target = tall.AsSpan(o * width, width);
            for (var j = 0; j < rows.Taps; j++)
            {
                var weight = rows.Weights[o * rows.Taps + j];
                var source = plane.AsSpan((int)rows.Index[o * rows.Taps + j] * width, width);
                for (var x = 0; x < width; x++) target[x] += weight * source[x];
            }
        }

        var result = new double[outH * outW];
        for (var y = 0; y < outH; y++)
        {
            var source = tall.AsSpan(y * width, width);
            var target = result.AsSpan(y * outW, outW);
            for (var o = 0; o < outW; o++)
            {
                var sum = 0.0;
                for (var j = 0; j < cols.Taps; j++) sum += cols.Weights[o * cols.Taps + j] * source[(int)cols.Index[o * cols.Taps + j]];
                target[o] = sum;
            }
        }
        return (result, outH, outW);
    }
}
