namespace Dsd.NoReference;

/// <summary>
/// Moment-matching fits of the asymmetric generalized Gaussian (AGGD) that NIQE and BRISQUE describe MSCN
/// coefficients with (Lasmar, Stitou, Berthoumieu 2009). The left and right deviations are the root mean squares of
/// the negative and positive samples; the shape γ is the one whose ratio ρ(γ) = Γ(2/γ)²/(Γ(1/γ)Γ(3/γ)) equals the
/// sample's (E|x|)²/E x², corrected for the asymmetry. The two references search γ on the same 0.001 grid from 0.2
/// but differently, and each variant here repeats its reference exactly (the grid step shows in the scores).
/// </summary>
internal static class GeneralizedGaussianFit
{
    /// <summary>Moments of a sample: sums of squares and counts on each side, the sum of |x| and the count.</summary>
    readonly record struct Moments(double NegativeSquares, long Negatives, double PositiveSquares, long Positives, double Absolute, long Count)
    {
        public double LeftDeviation => Math.Sqrt(NegativeSquares / Negatives);

        public double RightDeviation => Math.Sqrt(PositiveSquares / Positives);

        /// <summary>The sample's ratio corrected for the asymmetry γ̂ = σ_l/σ_r; NaN when a side is empty.</summary>
        public double NormalisedRatio
        {
            get
            {
                var g = LeftDeviation / RightDeviation;
                var mean = Absolute / Count;
                var r = Math.Pow(mean, 2) / ((NegativeSquares + PositiveSquares) / Count);
                return r * (Math.Pow(g, 3) + 1) * (g + 1) / Math.Pow(Math.Pow(g, 2) + 1, 2);
            }
        }
    }

    static Moments Measure(ReadOnlySpan<double> x)
    {
        double negSq = 0, posSq = 0, abs = 0;
        long neg = 0, pos = 0;
        foreach (var v in x)
        {
            var sq = v * v;
            if (v < 0) { negSq += sq; neg++; }
            else if (v > 0) { posSq += sq; pos++; }
            abs += Math.Abs(v);
        }
        return new Moments(negSq, neg, posSq, pos, abs, x.Length);
    }

    /// <summary>
    /// BasicSR's grid (numpy <c>arange(0.2, 10.001, 0.001)</c>, whose i-th value is 0.2 + i·(0.201 − 0.2)) and ρ on it,
    /// computed as the reference does (via 1/γ).
    /// </summary>
    static readonly Lazy<(double[] Shape, double[] Ratio)> niqeGrid = new(() =>
    {
        const double start = 0.2, stop = 10.001, step = 0.001;
        var delta = (start + step) - start;
        var length = (int)Math.Ceiling((stop - start) / step);
        var shape = new double[length];
        var ratio = new double[length];
        for (var i = 0; i < length; i++)
        {
            shape[i] = i == 0 ? start : i == 1 ? start + step : start + i * delta;
            var reciprocal = 1 / shape[i];
            var g2 = GammaFunction.Gamma(reciprocal * 2);
            ratio[i] = g2 * g2 / (GammaFunction.Gamma(reciprocal) * GammaFunction.Gamma(reciprocal * 3));
        }
        for (var i = 1; i < length; i++)
            if (!(ratio[i] > ratio[i - 1])) throw new InvalidOperationException($"ρ is not increasing on the grid at γ = {shape[i]}");
        return (shape, ratio);
    });

    /// <summary>
    /// NIQE's fit (BasicSR <c>estimate_aggd_param</c>): γ is the grid point nearest the sample's ratio (the first on
    /// ties; the first point, 0.2, when the ratio is undefined), and the scales are β = σ·sqrt(Γ(1/γ)/Γ(3/γ)).
    /// </summary>
    /// <returns>Shape γ and the left and right scales β_l, β_r (NaN when that side has no samples).</returns>
    public static (double Shape, double Left, double Right) Niqe(ReadOnlySpan<double> x)
    {
        var m = Measure(x);
        var target = m.NormalisedRatio;
        var (shapes, ratios) = niqeGrid.Value;
        // np.argmin of the squared gap: the nearest grid ratio, the lower one on a tie; ρ increases along the grid, so a
        // binary search finds it. An undefined ratio gives NaN gaps everywhere, where argmin answers the first point.
        var best = 0;
        if (!double.IsNaN(target))
        {
            var above = Array.BinarySearch(ratios, target);
            if (above < 0) above = ~above;
            best = Math.Min(above, ratios.Length - 1);
            if (above > 0 && (ratios[above - 1] - target) * (ratios[above - 1] - target) <= (ratios[best] - target) * (ratios[best] - target))
                best = above - 1;
        }
        var alpha = shapes[best];
        var scale = Math.Sqrt(GammaFunction.Gamma(1 / alpha) / GammaFunction.Gamma(3 / alpha));
        return (alpha, m.LeftDeviation * scale, m.RightDeviation * scale);
    }

    /// <summary>OpenCV's grid: γ starts at 0.2 and 0.001 is added in double until 10, with ρ at each point.</summary>
    static readonly Lazy<(double[] Shape, double[] Ratio)> brisqueGrid = new(() =>
    {
        var shapes = new List<double>();
        for (var gam = 0.2; gam < 10; gam += 0.001) shapes.Add(gam);
        return (shapes.ToArray(), shapes.Select(GammaFunction.ShapeRatio).ToArray());
    });

    /// <summary>
    /// BRISQUE's fit (OpenCV <c>AGGDfit</c>): walks the grid up from 0.2 while |ρ(γ) − ratio| does not grow and keeps
    /// the last γ; returns the deviations σ_l, σ_r themselves (BRISQUE's features are built from them).
    /// </summary>
    /// <param name="x">The coefficients; NaN entries count in the total only, as OpenCV's masks treat them.</param>
    public static (double Shape, double LeftDeviation, double RightDeviation) Brisque(ReadOnlySpan<float> x)
    {
        double negSq = 0, posSq = 0, abs = 0;
        long neg = 0, pos = 0;
        foreach (var v in x)
        {
            if (v < 0) { negSq += v * v; neg++; }
            else if (v > 0) { posSq += v * v; pos++; }
            if (!float.IsNaN(v)) abs += Math.Abs(v);
        }
        var m = new Moments(negSq, neg, posSq, pos, abs, x.Length);
        var target = m.NormalisedRatio;
        var (shapes, ratios) = brisqueGrid.Value;
        double previous = 0, previousDifference = 1e10;
        for (var i = 0; i < shapes.Length; i++)
        {
            var difference = Math.Abs(ratios[i] - target);
            if (difference > previousDifference) break;
            previousDifference = difference;
            previous = shapes[i];
        }
        return (previous, m.LeftDeviation, m.RightDeviation);
    }
}
