using static TorchSharp.torch;

namespace Dsd.NoReference;

/// <summary>
/// Keeps blank and nearly blank frames from looking natural (docs/method.md §3, "Blank frames"). psi predicts what the
/// fingerprint of a natural image with this coarse content would be; a frame with almost no content (uniform, faint
/// noise, a smooth gradient, a small object on a plain ground) is outside anything psi learned, and its fingerprint
/// is mostly the border of VGG's zero padding. The calibrated form scored such frames better than any photo. So a
/// frame whose <see cref="Structure"/> is below <see cref="StructureStart"/> is moved towards and, below
/// <see cref="StructureFull"/>, above the ceiling: the largest score a tile can reach while its z-scores stay in
/// [−<see cref="ZLow"/>, <see cref="ZHigh"/>], where every clean photo we measured lies. It keeps rising as the frame
/// gets blanker. Frames with more structure keep their score unchanged.
/// </summary>
public static class BlankFrameGuard
{
    /// <summary>The downscale factor the structure is measured at: coarse enough that faint noise averages away.</summary>
    public const double Scale = 4;

    /// <summary>
    /// Structure (grey levels) below which a frame starts to move up. 607 natural photos and crops measured 2.28 and
    /// more (the smoothest, a BSDS500 sky); the guard leaves every one of them alone (docs/method.md §3).
    /// </summary>
    public const double StructureStart = 1.6;

    /// <summary>Structure at and below which a frame scores above the ceiling (a grey frame with noise σ 3 measures 1.05).</summary>
    public const double StructureFull = 1.1;

    /// <summary>The lower end of the z range the ceiling is taken over (a fingerprint e^{−5σ} below psi's guess).</summary>
    public const double ZLow = 5;

    /// <summary>The upper end of the z range the ceiling is taken over (a fingerprint e^{12σ} above psi's guess).</summary>
    public const double ZHigh = 12;

    /// <summary>
    /// How much content <paramref name="image"/> [B,3,H,W] in [0,1] has, per image [B]: the mean over pixels, channels
    /// and both directions of the second difference |y[i, j−1] − 2·y[i, j] + y[i, j+1]| (and down the columns) of
    /// y = x↓<see cref="Scale"/>, in grey levels of 255. Second differences, not first: a smooth ramp has none.
    /// </summary>
    public static Tensor Structure(Tensor image)
    {
        using var scope = NewDisposeScope();
        var small = Dissimilarity.Downscaling.Apply(image, Scale);
        var (b, h, w) = (small.shape[0], small.shape[2], small.shape[3]);
        var across = w > 2 ? (small.narrow(3, 0, w - 2) - 2 * small.narrow(3, 1, w - 2) + small.narrow(3, 2, w - 2)).abs().mean([1, 2, 3]) : zeros(b, device: small.device);
        var down = h > 2 ? (small.narrow(2, 0, h - 2) - 2 * small.narrow(2, 1, h - 2) + small.narrow(2, 2, h - 2)).abs().mean([1, 2, 3]) : zeros(b, device: small.device);
        return ((across + down) * (255.0 / 2)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="score"/> [B] with blank frames moved up: with b = (Start − structure) / (Start − Full) clamped
    /// to [0, 1], s + (ceiling − s)·b + max(0, Full − structure): unchanged above Start, the ceiling at Full, and the
    /// ceiling plus 1.1 for a uniform frame.
    /// </summary>
    public static Tensor Apply(Tensor score, Tensor structure, double ceiling)
    {
        using var scope = NewDisposeScope();
        var s = structure.to_type(score.dtype).to(score.device);
        var blankness = ((StructureStart - s) / (StructureStart - StructureFull)).clamp(0, 1);
        return (score + (ceiling - score) * blankness + (StructureFull - s).clamp_min(0)).MoveToOuterDisposeScope();
    }

    /// <summary>The z-score form's largest value with every z_l in [−ZLow, ZHigh]: the mean of |z_l| is at most ZHigh.</summary>
    public static double ZScoreCeiling => Math.Max(ZLow, ZHigh);

    /// <summary>
    /// The largest w · φ(z) of <paramref name="calibration"/> with every z_l in [−ZLow, ZHigh]. Without the products, φ
    /// is linear between the planes z_l = 0 and z_i = z_j, so the maximum is at a point whose coordinates are each
    /// −ZLow, 0 or ZHigh (81 points, exact). The products' part is bounded by Σ|w|·max(ZLow, ZHigh)².
    /// </summary>
    public static double CalibratedCeiling(NoReferenceCalibration calibration)
    {
        double[] values = [-ZLow, 0, ZHigh];
        var best = double.NegativeInfinity;
        var linear = calibration.Weights.Take(NoReferenceCalibration.FeatureCount).ToArray();
        var z = new double[4];
        for (var code = 0; code < 81; code++)
        {
            for (int l = 0, c = code; l < 4; l++, c /= 3) z[l] = values[c % 3];
            best = Math.Max(best, LinearPart(linear, z));
        }
        var extreme = Math.Max(ZLow, ZHigh);
        return best + calibration.Weights.Skip(NoReferenceCalibration.FeatureCount).Sum(Math.Abs) * extreme * extreme;
    }

    /// <summary>The 14 linear features' weighted sum (|z|, z, |z_i − z_j|), as <see cref="NoReferenceCalibration.Features"/> orders them.</summary>
    static double LinearPart(double[] w, double[] z)
    {
        var sum = 0.0;
        for (var l = 0; l < 4; l++) sum += w[l] * Math.Abs(z[l]) + w[4 + l] * z[l];
        var k = 8;
        for (var i = 0; i < 4; i++)
            for (var j = i + 1; j < 4; j++) sum += w[k++] * Math.Abs(z[i] - z[j]);
        return sum;
    }
}
