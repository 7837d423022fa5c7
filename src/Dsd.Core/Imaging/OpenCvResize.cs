namespace Dsd.Imaging;

/// <summary>
/// OpenCV's <c>cv::resize(…, INTER_CUBIC)</c> on one float32 plane: Keys' cubic with a = −0.75, no antialiasing,
/// sample centres aligned ((d + ½)·in/out − ½), edge pixels repeated, coefficients and sums in float32 as OpenCV
/// computes them. BRISQUE's second scale is this resize by ½ (unlike MATLAB's imresize: <see cref="Imresize"/>).
/// </summary>
public static class OpenCvResize
{
    /// <summary>Resizes the row-major plane to <paramref name="outHeight"/> × <paramref name="outWidth"/>.</summary>
    public static float[] Cubic(float[] plane, int height, int width, int outHeight, int outWidth)
    {
        if (plane.Length != (long)height * width || height < 1 || width < 1)
            throw new ArgumentException($"a plane of {plane.Length} values is not {height}×{width}", nameof(plane));
        if (outHeight < 1 || outWidth < 1)
            throw new DsdException(DsdErrorKind.InvalidInput, $"resize: output size {outWidth}×{outHeight} must be at least 1×1");
        if (outHeight == height && outWidth == width) return (float[])plane.Clone();
        var (xIndex, xWeights) = Taps(width, outWidth);
        var (yIndex, yWeights) = Taps(height, outHeight);

        // Horizontal pass over every source row, then the vertical pass combines four of them.
        var horizontal = new float[height * outWidth];
        for (var y = 0; y < height; y++)
        {
            var source = plane.AsSpan(y * width, width);
            var target = horizontal.AsSpan(y * outWidth, outWidth);
            for (var d = 0; d < outWidth; d++)
            {
                var i = 4 * d;
                target[d] = source[xIndex[i]] * xWeights[i] + source[xIndex[i + 1]] * xWeights[i + 1]
                    + source[xIndex[i + 2]] * xWeights[i + 2] + source[xIndex[i + 3]] * xWeights[i + 3];
            }
        }
        var result = new float[outHeight * outWidth];
        for (var d = 0; d < outHeight; d++)
        {
            var i = 4 * d;
            var s0 = horizontal.AsSpan(yIndex[i] * outWidth, outWidth);
            var s1 = horizontal.AsSpan(yIndex[i + 1] * outWidth, outWidth);
            var s2 = horizontal.AsSpan(yIndex[i + 2] * outWidth, outWidth);
            var s3 = horizontal.AsSpan(yIndex[i + 3] * outWidth, outWidth);
            var (b0, b1, b2, b3) = (yWeights[i], yWeights[i + 1], yWeights[i + 2], yWeights[i + 3]);
            var target = result.AsSpan(d * outWidth, outWidth);
            // OpenCV's SIMD loop (4 lanes) sums b0·s0 + (b1·s1 + (b2·s2 + b3·s3)); its scalar tail sums left to right.
            var vectorised = outWidth / 4 * 4;
            for (var x = 0; x < vectorised; x++) target[x] = b0 * s0[x] + (b1 * s1[x] + (b2 * s2[x] + b3 * s3[x]));
            for (var x = vectorised; x < outWidth; x++) target[x] = s0[x] * b0 + s1[x] * b1 + s2[x] * b2 + s3[x] * b3;
        }
        return result;
    }

    /// <summary>Per output sample, four clamped source indices and OpenCV's float cubic coefficients.</summary>
    static (int[] Index, float[] Weights) Taps(int inLength, int outLength)
    {
        var scale = 1.0 / ((double)outLength / inLength);
        var index = new int[4 * outLength];
        var weights = new float[4 * outLength];
        for (var d = 0; d < outLength; d++)
        {
            var f = (float)((d + 0.5) * scale - 0.5);
            var s = (int)MathF.Floor(f);
            f -= s;
            const float a = -0.75f;
            var c0 = ((a * (f + 1) - 5 * a) * (f + 1) + 8 * a) * (f + 1) - 4 * a;
            var c1 = ((a + 2) * f - (a + 3)) * f * f + 1;
            var c2 = ((a + 2) * (1 - f) - (a + 3)) * (1 - f) * (1 - f) + 1;
            var c3 = 1f - c0 - c1 - c2;
            (weights[4 * d], weights[4 * d + 1], weights[4 * d + 2], weights[4 * d + 3]) = (c0, c1, c2, c3);
            for (var k = 0; k < 4; k++) index[4 * d + k] = Math.Clamp(s - 1 + k, 0, inLength - 1);
        }
        return (index, weights);
    }
}
