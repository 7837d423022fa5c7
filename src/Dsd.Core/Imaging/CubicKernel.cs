namespace Dsd.Imaging;

/// <summary>The bicubic interpolation kernel of MATLAB's imresize (Keys, a = −0.5) and its weight tables.</summary>
internal static class CubicKernel
{
    /// <summary>Half-width of the cubic kernel's support in input pixels (before antialiasing widens it).</summary>
    public const double Support = 2.0;

    /// <summary>Keys' cubic with a = −0.5: the MATLAB 'bicubic' kernel.</summary>
    public static double Value(double x)
    {
        var ax = Math.Abs(x);
        var ax2 = ax * ax;
        var ax3 = ax2 * ax;
        if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
        if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
        return 0;
    }

    /// <summary>
    /// MATLAB's symmetric (mirror) boundary rule for a 0-based index that may lie outside [0, length):
    /// the signal is extended as [a b c | c b a | a b c …], i.e. reflected including the edge sample.
    /// Periodic in 2·length, so it works however far the index overhangs (tiny inputs included).
    /// </summary>
    public static int Mirror(long index, int length)
    {
        var period = 2L * length;
        var m = ((index % period) + period) % period;
        return (int)(m < length ? m : period - 1 - m);
    }

    /// <summary>
    /// MATLAB imresize's contributions() for one axis: for each output sample, <c>Taps</c> input indices
    /// (0-based, already folded into range by <see cref="Mirror"/>) and their normalised cubic weights, row-major
    /// [outLength, Taps]. Tap columns whose weight is zero for every output are removed, as MATLAB does.
    /// </summary>
    /// <remarks><paramref name="scale"/> is the scale used for the weights: out/in for explicit sizes, the user's scale otherwise.</remarks>
    public static AxisContributions Contributions(int inLength, int outLength, double scale, bool antialias)
    {
        var widen = antialias && scale < 1;
        var kernelWidth = widen ? 2 * Support / scale : 2 * Support;
        var taps = (int)Math.Ceiling(kernelWidth) + 2;
        var index = new long[outLength * taps];
        var weights = new double[outLength * taps];
        for (var o = 0; o < outLength; o++)
        {
            // Centre of output pixel o in 1-based input coordinates (MATLAB's u).
            var u = (o + 1) / scale + 0.5 * (1 - 1 / scale);
            var left = (long)Math.Floor(u - kernelWidth / 2);
            var sum = 0.0;
            for (var j = 0; j < taps; j++)
            {
                var d = u - (left + j);
                var w = widen ? scale * Value(scale * d) : Value(d);
                weights[o * taps + j] = w;
                index[o * taps + j] = Mirror(left + j - 1, inLength);
                sum += w;
            }
            for (var j = 0; j < taps; j++) weights[o * taps + j] /= sum;
        }

        var keep = Enumerable.Range(0, taps).Where(j => Enumerable.Range(0, outLength).Any(o => weights[o * taps + j] != 0)).ToArray();
        if (keep.Length == taps) return new AxisContributions(taps, index, weights);
        var keptIndex = new long[outLength * keep.Length];
        var keptWeights = new double[outLength * keep.Length];
        for (var o = 0; o < outLength; o++)
            for (var k = 0; k < keep.Length; k++)
            {
                keptIndex[o * keep.Length + k] = index[o * taps + keep[k]];
                keptWeights[o * keep.Length + k] = weights[o * taps + keep[k]];
            }
        return new AxisContributions(keep.Length, keptIndex, keptWeights);
    }

    /// <summary>
    /// The 1-D taps of the strided ×α downscale: 4α cubic weights sampled at the antialiased positions
    /// (i + ½ − 2α)/α, normalised to sum 1. Equals the interior weights of <see cref="Contributions"/> for scale 1/α.
    /// </summary>
    public static double[] StridedTaps(int factor)
    {
        var size = 4 * factor;
        var taps = new double[size];
        var sum = 0.0;
        for (var i = 0; i < size; i++)
        {
            taps[i] = Value((i + 0.5 - 2 * factor) / factor);
            sum += taps[i];
        }
        for (var i = 0; i < size; i++) taps[i] /= sum;
        return taps;
    }
}

/// <summary>Per-output input indices and weights of one axis, row-major [outLength, Taps].</summary>
internal sealed record AxisContributions(int Taps, long[] Index, double[] Weights);
