using System.Numerics;
using System.Runtime.InteropServices;
using Dsd.Imaging;

namespace Dsd.NoReference;

/// <summary>
/// NIQE, the Natural Image Quality Evaluator (Mittal, Soundararajan, Bovik, "Making a completely blind image quality
/// analyzer", IEEE SPL 2013), as MATLAB's <c>computequality.m</c> and BasicSR compute it: the image is cut into 96×96
/// blocks; in each, the local mean-subtracted, contrast-normalised (MSCN) coefficients and their products with the
/// four neighbours are fitted with (asymmetric) generalized Gaussians, giving 18 numbers; the same at half resolution
/// gives 18 more. The score is the distance between the Gaussian fitted to the blocks' 36-vectors and the model
/// fitted to pristine photos (<see cref="NiqeModel"/>): sqrt((μ₁ − μ₂)ᵀ ((Σ₁ + Σ₂)/2)⁺ (μ₁ − μ₂)). Lower is more natural.
/// Everything is float64: the shape is picked on a 0.001 grid, so rounding decides the last digits.
/// </summary>
public static class Niqe
{
    /// <summary>Block side at full resolution (the release's recommended 96, as the pristine model was built).</summary>
    public const int BlockSide = 96;

    /// <summary>Features per block and scale.</summary>
    const int PerScale = 18;

    /// <summary>NIQE of a gray plane with values on the 0..255 scale, row-major <paramref name="height"/> × <paramref name="width"/>.</summary>
    /// <exception cref="DsdException">Fewer than two whole blocks (InvalidInput); no block with structure (Numerical).</exception>
    public static double Score(double[] gray, int height, int width, NiqeModel? model = null)
    {
        model ??= NiqeModel.Shipped;
        var blocksDown = height / BlockSide;
        var blocksAcross = width / BlockSide;
        if ((long)blocksDown * blocksAcross < 2)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"niqe needs at least two {BlockSide}×{BlockSide} blocks (an image of at least {2 * BlockSide}×{BlockSide}), got {width}×{height}");
        // Blocks start at the top-left corner; a partial block at the right or bottom is left out, as in the release.
        var h = blocksDown * BlockSide;
        var w = blocksAcross * BlockSide;
        var image = new double[h * w];
        for (var y = 0; y < h; y++) gray.AsSpan(y * width, w).CopyTo(image.AsSpan(y * w, w));

        var features = new double[blocksDown * blocksAcross][];
        for (var b = 0; b < features.Length; b++) features[b] = new double[NiqeModel.FeatureCount];
        for (var scale = 1; scale <= 2; scale++)
        {
            var mscn = Mscn(image, h, w, model.Window, model.WindowSide);
            var side = BlockSide / scale;
            var block = new double[side * side];
            for (var by = 0; by < blocksDown; by++)
                for (var bx = 0; bx < blocksAcross; bx++)
                {
                    for (var y = 0; y < side; y++) mscn.AsSpan((by * side + y) * w + bx * side, side).CopyTo(block.AsSpan(y * side, side));
                    BlockFeatures(block, side, features[by * blocksAcross + bx].AsSpan((scale - 1) * PerScale, PerScale));
                }
            if (scale == 1)
            {
                // The release halves the image with MATLAB's antialiased bicubic imresize on [0,1] values.
                for (var i = 0; i < image.Length; i++) image[i] /= 255.0;
                (image, h, w) = PlaneImresize.Scale(image, h, w, 0.5);
                for (var i = 0; i < image.Length; i++) image[i] *= 255.0;
            }
        }
        return Distance(features, model);
    }

    /// <summary>
    /// MSCN coefficients (I − μ) / (σ + 1), with μ and σ the window-weighted local mean and deviation; edges repeat
    /// the border pixel (scipy's <c>mode='nearest'</c>). σ = sqrt(|E[I²] − μ²|): the absolute value guards rounding.
    /// </summary>
    internal static double[] Mscn(double[] image, int h, int w, double[] window, int k)
    {
        var r = k / 2;
        var pw = w + 2 * r;
        var ph = h + 2 * r;
        var padded = new double[ph * pw];
        var squares = new double[ph * pw];
        for (var y = 0; y < ph; y++)
        {
            var sy = Math.Clamp(y - r, 0, h - 1);
            for (var x = 0; x < pw; x++)
            {
                var v = image[sy * w + Math.Clamp(x - r, 0, w - 1)];
                padded[y * pw + x] = v;
                squares[y * pw + x] = v * v;
            }
        }
        var result = new double[h * w];
        var mu = new double[w];
        var second = new double[w];
        for (var y = 0; y < h; y++)
        {
            // Whole output rows at a time (SIMD over x); each pixel still sums its taps in the same (row, column) order.
            mu.AsSpan().Clear();
            second.AsSpan().Clear();
            for (var i = 0; i < k; i++)
                for (var j = 0; j < k; j++)
                {
                    var weight = window[i * k + j];
                    MultiplyAdd(mu, padded.AsSpan((y + i) * pw + j, w), weight);
                    MultiplyAdd(second, squares.AsSpan((y + i) * pw + j, w), weight);
                }
            for (var x = 0; x < w; x++)
            {
                var sigma = Math.Sqrt(Math.Abs(second[x] - mu[x] * mu[x]));
                result[y * w + x] = (image[y * w + x] - mu[x]) / (sigma + 1);
            }
        }
        return result;
    }

    /// <summary>sum[x] += weight · values[x], rounded after the product and after the sum (no fused multiply-add).</summary>
    static void MultiplyAdd(Span<double> sum, ReadOnlySpan<double> values, double weight)
    {
        var x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var w = new Vector<double>(weight);
            var sums = MemoryMarshal.Cast<double, Vector<double>>(sum);
            var vs = MemoryMarshal.Cast<double, Vector<double>>(values);
            for (var v = 0; v < sums.Length; v++) sums[v] += vs[v] * w;
            x = sums.Length * Vector<double>.Count;
        }
        for (; x < sum.Length; x++) sum[x] += values[x] * weight;
    }

    /// <summary>
    /// The 18 features of one block: the generalized-Gaussian shape and mean scale of the MSCN coefficients, then for the
    /// products with the right, lower, lower-right and lower-left neighbours (wrapping around the block, as the reference's
    /// <c>np.roll</c>) the asymmetric fit's shape, mean, left and right scales.
    /// </summary>
    static void BlockFeatures(double[] block, int side, Span<double> features)
    {
        var (alpha, left, right) = GeneralizedGaussianFit.Niqe(block);
        features[0] = alpha;
        features[1] = (left + right) / 2;
        var product = new double[block.Length];
        ReadOnlySpan<(int Dy, int Dx)> shifts = [(0, 1), (1, 0), (1, 1), (1, -1)];
        for (var s = 0; s < shifts.Length; s++)
        {
            var (dy, dx) = shifts[s];
            for (var y = 0; y < side; y++)
            {
                var sy = (y - dy + side) % side;
                for (var x = 0; x < side; x++)
                    product[y * side + x] = block[y * side + x] * block[sy * side + (x - dx + side) % side];
            }
            (alpha, left, right) = GeneralizedGaussianFit.Niqe(product);
            var mean = (right - left) * (GammaFunction.Gamma(2 / alpha) / GammaFunction.Gamma(1 / alpha));
            features[2 + 4 * s] = alpha;
            features[3 + 4 * s] = mean;
            features[4 + 4 * s] = left;
            features[5 + 4 * s] = right;
        }
    }

    /// <summary>
    /// The distance between the blocks' Gaussian and the pristine one. Blocks with an undefined feature (no negative or
    /// no positive coefficient: a flat block) are left out of the covariance; the mean skips only the undefined entries
    /// (MATLAB's nanmean and nancov, as the release).
    /// </summary>
    static double Distance(double[][] features, NiqeModel model)
    {
        const int n = NiqeModel.FeatureCount;
        var mean = new double[n];
        for (var f = 0; f < n; f++)
        {
            double sum = 0;
            var count = 0;
            foreach (var row in features)
                if (!double.IsNaN(row[f])) { sum += row[f]; count++; }
            mean[f] = sum / count;
        }
        var valid = features.Where(row => !row.Any(double.IsNaN)).ToList();
        if (valid.Count < 2 || mean.Any(double.IsNaN))
            throw new DsdException(DsdErrorKind.Numerical,
                $"niqe is undefined: {features.Length - valid.Count} of {features.Length} blocks are flat (no positive or no negative MSCN coefficient); it needs two with structure");

        var validMean = new double[n];
        foreach (var row in valid)
            for (var f = 0; f < n; f++) validMean[f] += row[f];
        for (var f = 0; f < n; f++) validMean[f] /= valid.Count;
        var matrix = new double[n * n];
        foreach (var row in valid)
            for (var i = 0; i < n; i++)
            {
                var di = row[i] - validMean[i];
                for (var j = 0; j < n; j++) matrix[i * n + j] += di * (row[j] - validMean[j]);
            }
        for (var i = 0; i < matrix.Length; i++) matrix[i] = (model.Covariance[i] + matrix[i] / (valid.Count - 1)) / 2;

        var difference = new double[n];
        for (var f = 0; f < n; f++) difference[f] = model.Mean[f] - mean[f];
        return Math.Sqrt(SymmetricPseudoInverse.QuadraticForm(matrix, difference));
    }
}
