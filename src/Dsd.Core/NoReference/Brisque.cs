using Dsd.Imaging;

namespace Dsd.NoReference;

/// <summary>
/// BRISQUE, the Blind/Referenceless Image Spatial Quality Evaluator (Mittal, Moorthy, Bovik, "No-reference image quality
/// assessment in the spatial domain", IEEE TIP 2012), as OpenCV 4.6's <c>cv::quality::QualityBRISQUE</c> computes it:
/// at the image's full and half size, the MSCN coefficients are fitted with a generalized Gaussian (shape, variance) and
/// their products with the four neighbours with asymmetric ones (shape, mean, left and right variance): 18 features a
/// scale, 36 in all, which a support-vector regressor trained on human scores (<see cref="BrisqueModel"/>) maps to a
/// score, clamped to [0, 100]. Lower is better. float32 throughout, as OpenCV computes it.
/// </summary>
public static class Brisque
{
    /// <summary>The smallest side accepted: the half-size image must still have two pixels a side.</summary>
    public const int MinSide = 4;

    /// <summary>OpenCV's MSCN window: 7×7 Gaussian with σ = 7/6.</summary>
    const int WindowSide = 7;

    static readonly float[] window = GaussianTaps(WindowSide, 7.0 / 6.0);

    /// <summary>BRISQUE of an 8-bit gray image (OpenCV's BGR→gray of the file's pixels), row-major; 100 for a flat image.</summary>
    /// <exception cref="DsdException">An image smaller than <see cref="MinSide"/> a side (InvalidInput).</exception>
    public static double Score(byte[] gray, int height, int width, BrisqueModel? model = null)
    {
        model ??= BrisqueModel.Shipped;
        var features = Features(gray, height, width);
        // A flat image (or scale) has no positive or negative MSCN coefficients, so its deviations are undefined (NaN). OpenCV
        // then returns 100, the worst score (its exp of NaN saturates); we return 100 on purpose: no structure is least natural.
        if (features.Any(float.IsNaN)) return 100;
        return Math.Clamp(model.Predict(features), 0f, 100f);
    }

    /// <summary>
    /// OpenCV 4's 8-bit gray from RGB bytes: (9798 R + 19235 G + 3735 B + 2¹⁴) >> 15, BT.601's 0.299/0.587/0.114 in 15-bit
    /// fixed point (checked against <c>cv2.cvtColor</c> 4.6 on a million random colours).
    /// </summary>
    public static byte Gray(byte r, byte g, byte b) => (byte)((r * 9798 + g * 19235 + b * 3735 + (1 << 14)) >> 15);

    /// <summary>The 36 features (OpenCV's <c>QualityBRISQUE::computeFeatures</c>).</summary>
    public static float[] Features(byte[] gray, int height, int width)
    {
        if (height < MinSide || width < MinSide)
            throw new DsdException(DsdErrorKind.InvalidInput, $"brisque needs an image of at least {MinSide}×{MinSide}, got {width}×{height}");
        var image = new float[gray.Length];
        const float toUnit = (float)(1.0 / 255);
        for (var i = 0; i < gray.Length; i++) image[i] = gray[i] * toUnit;

        var features = new List<float>(BrisqueModel.FeatureCount);
        for (var scale = 1; scale <= 2; scale++)
        {
            // The second scale resizes the original (not the first scale) to floor(side / 2), bicubic without antialiasing.
            var (h, w) = (height / scale, width / scale);
            var scaled = scale == 1 ? image : OpenCvResize.Cubic(image, height, width, h, w);
            var mscn = Mscn(scaled, h, w);
            var (shape, left, right) = GeneralizedGaussianFit.Brisque(mscn);
            features.Add((float)shape);
            features.Add((float)(left * left + right * right) / 2);

            var product = new float[mscn.Length];
            ReadOnlySpan<(int Dy, int Dx)> shifts = [(0, 1), (1, 0), (1, 1), (-1, 1)];
            foreach (var (dy, dx) in shifts)
            {
                // Products with the neighbour (y + dy, x + dx); zero where it falls outside the image.
                for (var y = 0; y < h; y++)
                    for (var x = 0; x < w; x++)
                    {
                        var (ny, nx) = (y + dy, x + dx);
                        var neighbour = ny >= 0 && ny < h && nx >= 0 && nx < w ? mscn[ny * w + nx] : 0f;
                        product[y * w + x] = mscn[y * w + x] * neighbour;
                    }
                (shape, left, right) = GeneralizedGaussianFit.Brisque(product);
                var constant = Math.Sqrt(GammaFunction.Gamma(1 / shape)) / Math.Sqrt(GammaFunction.Gamma(3 / shape));
                var mean = (right - left) * (GammaFunction.Gamma(2 / shape) / GammaFunction.Gamma(1 / shape)) * constant;
                features.Add((float)shape);
                features.Add((float)mean);
                features.Add((float)Math.Pow(left, 2));
                features.Add((float)Math.Pow(right, 2));
            }
        }
        return [.. features];
    }

    /// <summary>
    /// MSCN coefficients (I − μ) / (σ + 1/255), μ and σ² from the 7×7 Gaussian (edges repeated) of I and I²; σ is NaN where
    /// rounding makes σ² negative, as in OpenCV (the fits then count the pixel only in the total).
    /// </summary>
    static float[] Mscn(float[] image, int h, int w)
    {
        var squares = new float[image.Length];
        for (var i = 0; i < image.Length; i++) squares[i] = image[i] * image[i];
        var mu = GaussianBlur(image, h, w);
        var second = GaussianBlur(squares, h, w);
        var result = new float[image.Length];
        const float epsilon = (float)(1.0 / 255);
        for (var i = 0; i < result.Length; i++)
        {
            var m = mu[i];
            var sigma = MathF.Sqrt(second[i] - m * m) + epsilon;
            result[i] = (image[i] - m) / sigma;
        }
        return result;
    }

    /// <summary>
    /// OpenCV's separable float Gaussian: a row pass (taps summed in order), then a symmetric column pass (pairs of rows
    /// added first), replicated borders, with the fused multiply-adds of its AVX2 code: the flat regions' MSCN values,
    /// hence the fits, depend on those roundings (without them BRISQUE moved by up to 5 on the reference images).
    /// </summary>
    static float[] GaussianBlur(float[] image, int h, int w)
    {
        const int r = WindowSide / 2;
        var rows = new float[h * w];
        var line = new float[w + 2 * r];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < line.Length; x++) line[x] = image[y * w + Math.Clamp(x - r, 0, w - 1)];
            // OpenCV's AVX2 row filter fuses multiply and add over 8 lanes; the last w mod 8 columns take its scalar loop.
            var vectorised = w / 8 * 8;
            for (var x = 0; x < w; x++)
            {
                var s = 0f;
                if (x < vectorised)
                    for (var k = 0; k < WindowSide; k++) s = MathF.FusedMultiplyAdd(window[k], line[x + k], s);
                else
                    for (var k = 0; k < WindowSide; k++) s += window[k] * line[x + k];
                rows[y * w + x] = s;
            }
        }
        var result = new float[h * w];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var s = window[r] * rows[y * w + x];
                for (var k = 1; k <= r; k++)
                    s = MathF.FusedMultiplyAdd(window[r + k], rows[Math.Clamp(y + k, 0, h - 1) * w + x] + rows[Math.Clamp(y - k, 0, h - 1) * w + x], s);
                result[y * w + x] = s;
            }
        return result;
    }

    /// <summary>
    /// OpenCV's <c>getGaussianKernel</c> (its bit-exact float64 form): t = exp(x²·(−0.125/σ²)) at doubled offsets
    /// x = 2i − (n − 1), normalised by multiplying with 1/(2 Σ t + 1), then rounded to float32.
    /// </summary>
    static float[] GaussianTaps(int n, double sigma)
    {
        var half = (n - 1) / 2;
        var scale = -0.125 / (sigma * sigma);
        var values = new double[half];
        var sum = 0.0;
        for (int i = 0, x = 1 - n; i < half; i++, x += 2)
        {
            values[i] = Math.Exp(x * x * scale);
            sum += values[i];
        }
        sum = sum * 2 + 1;
        var inverse = 1 / sum;
        var taps = new float[n];
        for (var i = 0; i < half; i++) taps[i] = taps[n - 1 - i] = (float)(values[i] * inverse);
        taps[half] = (float)inverse;
        return taps;
    }
}
