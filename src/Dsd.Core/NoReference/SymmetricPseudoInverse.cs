namespace Dsd.NoReference;

/// <summary>
/// The quadratic form dᵀ A⁺ d with A⁺ the Moore–Penrose pseudo-inverse of a symmetric matrix, as numpy's
/// <c>pinv</c> (singular values below 1e-15 × the largest are treated as zero). A symmetric matrix's singular values
/// are the magnitudes of its eigenvalues, so a cyclic Jacobi eigen-decomposition (accurate to rounding for the small
/// matrices here, 36 × 36) gives the same result as an SVD.
/// </summary>
internal static class SymmetricPseudoInverse
{
    /// <summary>numpy's default relative cutoff.</summary>
    public const double RelativeCutoff = 1e-15;

    /// <summary>dᵀ A⁺ d for symmetric <paramref name="a"/> (row-major n × n, not modified).</summary>
    public static double QuadraticForm(double[] a, double[] d)
    {
        var n = d.Length;
        var (values, vectors) = Eigen(a, n);
        var largest = values.Max(Math.Abs);
        var sum = 0.0;
        for (var k = 0; k < n; k++)
        {
            if (!(Math.Abs(values[k]) > RelativeCutoff * largest)) continue;
            var projection = 0.0;
            for (var i = 0; i < n; i++) projection += vectors[i * n + k] * d[i];
            sum += projection * projection / values[k];
        }
        return sum;
    }

    /// <summary>Eigenvalues and eigenvectors (columns of the row-major result) by cyclic Jacobi rotations.</summary>
    static (double[] Values, double[] Vectors) Eigen(double[] input, int n)
    {
        var a = (double[])input.Clone();
        var v = new double[n * n];
        for (var i = 0; i < n; i++) v[i * n + i] = 1;
        for (var sweep = 0; sweep < 100; sweep++)
        {
            // Converged when the off-diagonal part is below rounding of the whole (relative 1e-16): exact zero may never come.
            double off = 0, total = 0;
            for (var p = 0; p < n; p++)
            {
                total += a[p * n + p] * a[p * n + p];
                for (var q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
            }
            total += 2 * off;
            if (!(off > 1e-32 * total)) break;
            for (var p = 0; p < n; p++)
                for (var q = p + 1; q < n; q++)
                {
                    var apq = a[p * n + q];
                    if (apq == 0) continue;
                    // The rotation that zeroes a[p,q] (Golub & Van Loan, Algorithm 8.4.1), the smaller angle for stability.
                    var theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    var c = 1 / Math.Sqrt(t * t + 1);
                    var s = t * c;
                    for (var k = 0; k < n; k++)
                    {
                        var akp = a[k * n + p];
                        var akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var apk = a[p * n + k];
                        var aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var vkp = v[k * n + p];
                        var vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
        }
        var values = new double[n];
        for (var i = 0; i < n; i++) values[i] = a[i * n + i];
        return (values, v);
    }
}
