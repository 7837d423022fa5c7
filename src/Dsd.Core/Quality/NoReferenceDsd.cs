using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Networks;
using Dsd.NoReference;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// The no-reference DSD quality measure (docs/method.md §3): psi predicts from y↓α the DSD norms a natural image would have,
/// and the score is how far the image's measured norms are from that prediction,
/// Q_α(y) = (1/4) Σ_l |psi_l(y↓α) − ‖DSD_α^l(y)‖₁|. Lower is more natural. The paper averages over the four layers;
/// the reference evaluator sums them, which is 4 × this score (<see cref="NoReferenceDsdResult.SumOverLayers"/>).
/// <para>
/// psi learns the DSD norms of crops of one size (80·α pixels at full resolution by default), and the norm of a larger
/// image is not the norm of its crops: the Gram matrix of a whole image averages its regions, so their differences
/// partly cancel. <see cref="Score"/> therefore averages Q over a fixed grid of tiles of that size, as psi saw in
/// training; <c>tile = 0</c> scores the whole image at once.
/// </para>
/// <para>
/// The paper's absolute gap is one of several <see cref="NoReferenceForm"/>s. psi's own error on a clean image is tens of
/// percent, larger than what mild noise or compression do to the norms, so the other forms compare in log space, scale
/// each layer by psi's predicted spread, or weigh the layers' pattern of deviations (<see cref="NoReferenceCalibration"/>).
/// </para>
/// </summary>
public sealed class NoReferenceDsd : IQualityMetric
{
    readonly DsdOptions options;

    /// <param name="psi">The regressor trained for <paramref name="alpha"/>; it is switched to eval mode.</param>
    /// <param name="vgg">A VGG19 extractor with taps relu1_2, relu2_1, relu2_2, relu3_1, on psi's device.</param>
    /// <param name="alpha">The downscale factor psi was trained for: 4 (the reference evaluator's) or 2.</param>
    /// <param name="tile">Side of the full-resolution tiles Q is averaged over (psi's training crop, 80·α by default);
    /// 0 = the whole image.</param>
    /// <param name="form">How the score is formed; forms other than paper and log need a log-normal psi.</param>
    /// <param name="calibration">The weights of the calibrated form (required for it, ignored otherwise).</param>
    /// <param name="consistency">The weights of the consistency form (required for it, ignored otherwise).</param>
    public NoReferenceDsd(NoReferenceRegressor psi, Vgg19Features vgg, double alpha = 4, int? tile = null,
        NoReferenceForm form = NoReferenceForm.Paper, NoReferenceCalibration? calibration = null, ScaleConsistency? consistency = null)
    {
        var lacking = NoReferenceRegressor.Layers.Except(vgg.Taps).ToList();
        if (lacking.Count > 0)
            throw new ArgumentException($"the VGG extractor lacks taps {string.Join(", ", lacking)}", nameof(vgg));
        if (!NoReferenceRegressor.IsTrainedFor(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"psi is trained for α = {string.Join(" or ", NoReferenceRegressor.Alphas)}");
        Regressor = psi;
        Vgg = vgg;
        Alpha = alpha;
        Tile = tile ?? DefaultTile(alpha);
        if (Tile < 0) throw new ArgumentOutOfRangeException(nameof(tile), tile, "tiles must be 0 (whole image) or a positive side");
        if (form.NeedsSpread() && psi.Target != RegressorTarget.LogNormal)
            throw new DsdException(DsdErrorKind.Usage,
                $"the {form.Name()} form of noref-dsd needs a psi that predicts a spread (dsd train regressor --target log-normal); use --noref-form paper or log with this psi");
        if (form == NoReferenceForm.Calibrated && calibration is null)
            throw new DsdException(DsdErrorKind.Usage, "the calibrated form of noref-dsd needs a psi file with a calibration (dsd train calibration)");
        if (form == NoReferenceForm.Consistency && (consistency is null || consistency.Alpha != alpha))
            throw new DsdException(DsdErrorKind.Usage, $"the consistency form of noref-dsd needs a psi file with consistency weights for α = {alpha} (the shipped α = 4 psi has them)");
        Form = form;
        Calibration = calibration;
        Consistency = consistency;
        options = new DsdOptions(NoReferenceRegressor.Layers, [alpha]);
        psi.eval();
    }

    /// <summary>
    /// The metric for <paramref name="options"/>: psi from <see cref="MetricOptions.RegressorPath"/> or the shipped psi for
    /// the α asked for. Never scores with an untrained psi: no weights is an error, not random output.
    /// </summary>
    public static NoReferenceDsd Create(MetricOptions options, Vgg19Features vgg)
    {
        var path = RegressorPathFor(options);
        var psi = NoReferenceRegressor.FromFile(path, options.Device);
        var calibration = NoReferenceCalibration.TryRead(path);
        var consistency = ScaleConsistency.TryRead(path);
        return new NoReferenceDsd(psi, vgg, options.NoReferenceAlpha, options.NoReferenceTile,
            options.NoReferenceForm ?? DefaultForm(psi.Target, calibration, consistency), calibration, consistency);
    }

    /// <summary>The form <see cref="Create"/> uses for <paramref name="options"/> (reads only the psi file's header and last layer).</summary>
    public static NoReferenceForm FormFor(MetricOptions options)
    {
        if (options.NoReferenceForm is { } form) return form;
        var path = RegressorPathFor(options);
        return DefaultForm(NoReferenceRegressor.TargetOf(path), NoReferenceCalibration.TryRead(path), ScaleConsistency.TryRead(path));
    }

    /// <summary>
    /// The form used when none is asked for: the best on the selection set of docs/method.md §3 that this psi supports.
    /// </summary>
    public static NoReferenceForm DefaultForm(RegressorTarget target, NoReferenceCalibration? calibration, ScaleConsistency? consistency = null) =>
        target != RegressorTarget.LogNormal ? NoReferenceForm.Paper
        : consistency is not null ? NoReferenceForm.Consistency
        : calibration is not null ? NoReferenceForm.Calibrated : NoReferenceForm.ZScore;

    static string RegressorPathFor(MetricOptions options)
    {
        var path = options.RegressorPath ?? ShippedRegressors.PathFor(options.NoReferenceAlpha, options.ModelsFolder)
            ?? throw new DsdException(DsdErrorKind.Weights,
                $"noref-dsd needs trained regressor (psi) weights for α = {options.NoReferenceAlpha} and none were found in {options.ModelsFolder ?? ShippedRegressors.Folder}; pass --regressor PATH "
                + "(a psi state dict in safetensors or PyTorch format, e.g. from 'dsd train regressor' or the authors' resnet_se checkpoint)");
        // Our psi files record the α they were trained for; a psi for the other α would give confident nonsense.
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) && File.Exists(path)
            && Serialization.SafeTensors.LoadMetadata(path).TryGetValue("alpha", out var trained)
            && double.TryParse(trained, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var a)
            && a != options.NoReferenceAlpha)
            throw new DsdException(DsdErrorKind.Weights, $"{path}: psi was trained for α = {trained}, not α = {options.NoReferenceAlpha} (--alpha)");
        return path;
    }

    public NoReferenceForm Form { get; }

    /// <summary>
    /// Where <see cref="BlankFrameGuard"/> puts blank frames in this form: above every tile whose z-scores are in the
    /// natural range. Null for the paper's and the log form, which stay as defined.
    /// </summary>
    public double? Ceiling => Form switch
    {
        NoReferenceForm.ZScore => BlankFrameGuard.ZScoreCeiling,
        NoReferenceForm.Calibrated => BlankFrameGuard.CalibratedCeiling(Calibration!),
        NoReferenceForm.Consistency => Consistency!.Ceiling,
        _ => null,
    };

    public NoReferenceCalibration? Calibration { get; }

    public ScaleConsistency? Consistency { get; }

    public NoReferenceRegressor Regressor { get; }

    public Vgg19Features Vgg { get; }

    public double Alpha { get; }

    /// <summary>Side of the tiles Q is averaged over; 0 = whole image.</summary>
    public int Tile { get; }

    /// <summary>psi's default training crop at full resolution: 80·α.</summary>
    public static int DefaultTile(double alpha) => (int)(80 * alpha);

    /// <summary>
    /// Top-left corners of the tiles along one side of length <paramref name="length"/>: the fewest tiles of side
    /// <paramref name="tile"/> that cover it, spread evenly (the last ends at the border). One tile, at 0 and of the
    /// whole length, when the side is not longer than a tile.
    /// </summary>
    public static int[] TileStarts(long length, int tile)
    {
        if (tile <= 0 || length <= tile) return [0];
        var count = (int)((length + tile - 1) / tile);
        return Enumerable.Range(0, count).Select(i => (int)Math.Round((double)i * (length - tile) / (count - 1))).ToArray();
    }

    /// <summary>
    /// Prediction, measurement and per-layer gaps for a batch [B,3,H,W] in [0,1] (moved to the extractor's device). psi sees the
    /// same strided bicubic x↓α as the fingerprint. Differentiable when called with gradients enabled.
    /// </summary>
    public NoReferenceDsdResult Evaluate(Tensor images)
    {
        // No scope of its own: the result's tensors are moved out of Evaluate(images, measured) into the caller's.
        using var measured = Measure(images);
        return Evaluate(images, measured);
    }

    /// <summary>‖DSD_α^l‖₁ for l = <see cref="NoReferenceRegressor.Layers"/>, [B,4]: the part that does not depend on psi.</summary>
    public Tensor Measure(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var print = Fingerprint.Compute(Vgg, images.to(Vgg.Device), options);
        return stack(NoReferenceRegressor.Layers.Select(l => print.MeanAbs(Alpha, l)).ToArray(), 1).MoveToOuterDisposeScope();
    }

    /// <summary>The result for images whose norms were already measured (<see cref="Measure"/>): only psi runs.</summary>
    public NoReferenceDsdResult Evaluate(Tensor images, Tensor measured)
    {
        using var scope = NewDisposeScope();
        var small = Downscaling.Apply(images.to(Vgg.Device), Alpha);
        var (predicted, logMean, logSpread) = Regressor.Predict(small);
        return new NoReferenceDsdResult(predicted.MoveToOuterDisposeScope(), measured.to(predicted.device).clone().MoveToOuterDisposeScope(),
            logMean.MoveToOuterDisposeScope(), logSpread?.MoveToOuterDisposeScope());
    }

    /// <summary>This metric's score per image of a result, [B].</summary>
    public Tensor ScoreOf(NoReferenceDsdResult result) => result.ScoreIn(Form, Calibration);

    /// <summary>Scores of tiles [B,3,H,W] in this metric's form, [B] (before the blank-frame guard).</summary>
    Tensor ScoreTiles(Tensor tiles)
    {
        using var scope = NewDisposeScope();
        if (Form != NoReferenceForm.Consistency)
        {
            using var result = Evaluate(tiles);
            return ScoreOf(result).MoveToOuterDisposeScope();
        }
        // The consistency form needs psi's μ and the Gram traces, not the fingerprint: three VGG passes (x, x↓α, x↓α²).
        var x = tiles.to(Vgg.Device);
        var small = Downscaling.Apply(x, Alpha);
        var (_, logMean, _) = Regressor.Predict(small);
        return Consistency!.Score(Traces(x, small), logMean).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// tr G_l of <paramref name="images"/> [B,3,H,W] at x, x↓α and x↓α² for psi's layers, [B,3,4] (the mean of each Gram's
    /// diagonal): what <see cref="ScaleConsistency"/> reads.
    /// </summary>
    /// <exception cref="DsdException">A side shorter than <see cref="ScaleConsistency.MinimumSide"/> (InvalidInput).</exception>
    public Tensor Traces(Tensor images) => Traces(images, null);

    /// <param name="images">Tiles [B,3,H,W].</param>
    /// <param name="small">Their x↓α when already made (psi reads it too), else null.</param>
    Tensor Traces(Tensor images, Tensor? small)
    {
        var least = ScaleConsistency.MinimumSide(Alpha);
        if (images.shape[2] < least || images.shape[3] < least)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"image {images.shape[3]}×{images.shape[2]} is too small for the consistency form of noref-dsd (needs at least {least}×{least}; --noref-form calibrated takes smaller ones)");
        using var scope = NewDisposeScope();
        var scales = new List<Tensor>();
        var x = images.to(Vgg.Device);
        for (var k = 0; k < 3; k++)
        {
            if (k > 0) x = k == 1 && small is not null ? small.to(Vgg.Device) : Downscaling.Apply(x, Alpha);
            var features = Vgg.call(x);
            scales.Add(stack(NoReferenceRegressor.Layers.Select(l => Gram.Of(features[l]).diagonal(0, 1, 2).mean([1])).ToArray(), 1));
        }
        return stack(scales, 1).MoveToOuterDisposeScope();
    }

    /// <summary>The tiles <see cref="Score"/> averages over, as views of <paramref name="image"/> [B,3,H,W].</summary>
    public List<Tensor> Tiles(Tensor image)
    {
        var (h, w) = (image.shape[2], image.shape[3]);
        var (th, tw) = (Tile > 0 ? Math.Min(Tile, h) : h, Tile > 0 ? Math.Min(Tile, w) : w);
        return (from y in TileStarts(h, Tile) from x in TileStarts(w, Tile)
                select image.narrow(2, y, th).narrow(3, x, tw)).ToList();
    }

    /// <summary>
    /// Q_α of one image (or the mean over a batch), averaged over the tiles of <see cref="Tile"/> (see
    /// <see cref="TileStarts"/>); a side shorter than a tile is taken whole. In the z-score and calibrated forms a blank
    /// frame is then moved above every natural one (<see cref="BlankFrameGuard"/>).
    /// </summary>
    public double Score(Tensor distorted, Tensor? reference)
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var tiles = Tiles(distorted);
        var batch = distorted.shape[0];
        // A few tiles per forward pass: as fast as one batch, with bounded memory on large images.
        var perImage = zeros(new[] { batch }, dtype: ScalarType.Float64);
        // The consistency form runs VGG on whole tiles (no tiled Grams): two per pass keep its peak near the other forms'.
        var perPass = Form == NoReferenceForm.Consistency ? 2 : 8;
        foreach (var chunk in tiles.Chunk(Math.Max(1, perPass / (int)Math.Min(batch, perPass))))
        {
            using var inner = NewDisposeScope();
            var tilesOfChunk = cat(chunk, 0);
            perImage.add_(ScoreTiles(tilesOfChunk).to_type(ScalarType.Float64).cpu().view(chunk.Length, batch).sum([0]));
        }
        perImage.div_(tiles.Count);
        if (Form == NoReferenceForm.Consistency) perImage = Consistency!.Fold(perImage);
        if (Ceiling is { } ceiling)
            perImage = BlankFrameGuard.Apply(perImage, BlankFrameGuard.Structure(distorted.to(Vgg.Device)).cpu(), ceiling);
        var value = (float)perImage.mean().item<double>();
        if (!float.IsFinite(value))
            throw new DsdException(DsdErrorKind.Numerical, "no-reference DSD is not finite (NaN or infinity in the image or weights)");
        return value;
    }
}

/// <summary>One batch's no-reference DSD. Columns follow <see cref="NoReferenceRegressor.Layers"/>. Owns its tensors.</summary>
/// <param name="Predicted">psi's predicted norms, [B,4].</param>
/// <param name="Measured">‖DSD_α^l(y)‖₁ (mean absolute entry), [B,4].</param>
/// <param name="LogMean">psi's μ of log ‖DSD_α^l‖₁, [B,4] (the log of <paramref name="Predicted"/> for a norm psi).</param>
/// <param name="LogSpread">psi's σ of log ‖DSD_α^l‖₁, [B,4]; null for a norm psi.</param>
public sealed record NoReferenceDsdResult(Tensor Predicted, Tensor Measured, Tensor LogMean, Tensor? LogSpread) : IDisposable
{
    /// <summary>|Predicted − Measured|, [B,4].</summary>
    public Tensor PerLayer => (Predicted - Measured).abs();

    /// <summary>Q_α per image, the paper's average over layers, [B].</summary>
    public Tensor Score => PerLayer.mean([1]);

    /// <summary>The reference evaluator's sum over layers (4 × <see cref="Score"/>), [B].</summary>
    public Tensor SumOverLayers => PerLayer.sum(1);

    /// <summary>log ‖DSD_l‖₁ − μ_l, signed, [B,4].</summary>
    public Tensor LogGap => Measured.clamp_min(1e-12).log() - LogMean;

    /// <summary>(log ‖DSD_l‖₁ − μ_l) / σ_l, signed, [B,4].</summary>
    public Tensor ZScore => LogGap / (LogSpread ?? throw new InvalidOperationException("a norm psi predicts no spread"));

    /// <summary>The score per tile [B] in <paramref name="form"/> (before <see cref="BlankFrameGuard"/>, which applies per image).</summary>
    public Tensor ScoreIn(NoReferenceForm form, NoReferenceCalibration? calibration = null) => form switch
    {
        NoReferenceForm.Paper => Score,
        NoReferenceForm.Log => LogGap.abs().mean([1]),
        NoReferenceForm.ZScore => ZScore.abs().mean([1]),
        NoReferenceForm.Calibrated => (calibration ?? throw new ArgumentNullException(nameof(calibration))).Score(ZScore),
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };

    public void Dispose()
    {
        Predicted.Dispose();
        Measured.Dispose();
        LogMean.Dispose();
        LogSpread?.Dispose();
    }
}
