using System.Globalization;
using System.Text.Json;
using Dsd.Features;
using Dsd.Imaging;
using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Bench;

/// <summary>
/// Compares psi weights and no-reference forms (issue 15, docs/method.md §3):
///   Dsd.Bench psi-eval --alpha A [--data SHARED] [--threads N] [--json OUT] NAME=PSI[+PSI…] …
/// A NAME whose weights are joined by '+' is an ensemble: μ averaged, σ² = mean σ² + variance of μ.
/// Selection set (used to choose): ladders from 256² centre crops of the Set5/Set14 HR images, clean plus three mild
/// levels of blur (σ 0.5/1/1.5 px), noise (σ 2/5/10), JPEG (q 90/70/50) and bicubic resampling (×1.5/2/3), scored by
/// the mean over images of Spearman(level, score). Test set (never used to choose): CSIQ 1600 AWGN+BLUR vs DMOS,
/// LIVE-C (11 photos) vs MOS, SR outputs of SRResNet/SRGAN/EDSR against their HR.
/// The VGG norms of every tile are measured once and shared by all psi; every form is scored from the same results.
/// </summary>
internal static class PsiEvaluation
{
    static readonly (DistortionKind Kind, double[] Levels)[] Ladder =
    [
        (DistortionKind.Blur, [0.5, 1.0, 1.5]),
        (DistortionKind.Noise, [2, 5, 10]),
        (DistortionKind.Jpeg, [90, 70, 50]),
        (DistortionKind.Resample, [1.5, 2, 3]),
    ];

    sealed record Model(string Name, List<NoReferenceDsd> Members, NoReferenceCalibration? Calibration);

    public static int Run(string[] args)
    {
        var data = "/work/shared/data";
        var alpha = 4;
        var threads = 2;
        string? json = null;
        var specs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data": data = args[++i]; break;
                case "--alpha": alpha = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--json": json = args[++i]; break;
                default: specs.Add(args[i]); break;
            }
        }
        torch.set_num_threads(threads);
        var vgg = new Vgg19Features(NoReferenceRegressor.Layers, VggWeights.Embedded());
        var models = specs.Select(spec =>
        {
            var (name, files) = (spec.Split('=')[0], spec.Split('=', 2)[1].Split('+'));
            var members = files.Select(f => new NoReferenceDsd(NoReferenceRegressor.FromFile(f), vgg, alpha)).ToList();
            return new Model(name, members, NoReferenceCalibration.TryRead(files[0]));
        }).ToList();

        var images = Images(data);
        Console.Error.WriteLine($"psi-eval: {images.Count} images, {models.Count} models, α = {alpha}");
        // scores[model][form][image]
        var scores = models.ToDictionary(m => m.Name, _ => new Dictionary<string, Dictionary<string, double>>());
        var done = 0;
        foreach (var (name, load) in images)
        {
            using var scope = NewDisposeScope();
            using var mode = inference_mode();
            var image = load();
            var first = models[0].Members[0];
            var tiles = cat(first.Tiles(image), 0);
            var measured = first.Measure(tiles);
            foreach (var model in models)
            {
                using var inner = NewDisposeScope();
                var results = model.Members.Select(m => m.Evaluate(tiles, measured)).ToList();
                var result = Combine(results);
                foreach (var form in Forms(result, model.Calibration))
                {
                    var s = result.ScoreIn(form, model.Calibration).mean().item<float>();
                    var byForm = scores[model.Name];
                    if (!byForm.TryGetValue(form.Name(), out var byImage)) byForm[form.Name()] = byImage = [];
                    byImage[name] = s;
                }
            }
            if (++done % 50 == 0) Console.Error.WriteLine($"psi-eval: {done}/{images.Count}");
        }

        var summary = new Dictionary<string, Dictionary<string, object>>();
        Console.WriteLine("| psi | form | ladder | blur | noise | jpeg | resample | CSIQ | CSIQ blur 1–4 | LIVE-C | HR<SRResNet | HR<EDSR | HR | SRResNet | SRGAN | EDSR |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (model, byForm) in scores)
            foreach (var (form, s) in byForm)
            {
                var r = Summarise(data, s);
                summary[$"{model}/{form}"] = r;
                string F(string k) => ((double)r[k]).ToString("F3", CultureInfo.InvariantCulture);
                string M(string k) => ((double)r[k]).ToString("G4", CultureInfo.InvariantCulture);
                Console.WriteLine($"| {model} | {form} | {F("ladder")} | {F("ladder_blur")} | {F("ladder_noise")} | {F("ladder_jpeg")} | {F("ladder_resample")} | "
                    + $"{F("csiq")} | {r["csiq_blur_monotone"]} | {F("livec")} | {r["hr_better_SRResNet"]}/19 | {r["hr_better_EDSR"]}/19 | "
                    + $"{M("sr_mean_HR")} | {M("sr_mean_SRResNet")} | {M("sr_mean_SRGAN")} | {M("sr_mean_EDSR")} |");
            }
        if (json is not null)
        {
            File.WriteAllText(json + ".tmp", JsonSerializer.Serialize(new { alpha, summary, scores }, new JsonSerializerOptions { WriteIndented = true }));
            File.Move(json + ".tmp", json, overwrite: true);
        }
        return 0;
    }

    /// <summary>
    ///   Dsd.Bench psi-rmse VALIDATION_BANK TRAINING_BANK NAME=PSI …
    /// Per-layer RMSE of each psi's predicted norms on a run's validation crops (validation.safetensors), next to the
    /// constant predictor (the mean training target of bank.safetensors), in norms and in log norms.
    /// </summary>
    public static int Rmse(string[] args)
    {
        using var validation = Serialization.SafeTensors.Load(args[0]) is var v ? new Regressor.CropBank(v["inputs"], v["targets"]) : null;
        using var training = Serialization.SafeTensors.Load(args[1]) is var t ? new Regressor.CropBank(t["inputs"], t["targets"]) : null;
        var targets = validation!.Targets.to_type(ScalarType.Float64);
        var logs = targets.log();
        var constant = training!.Targets.to_type(ScalarType.Float64).mean([0], keepdim: true);
        var logConstant = training.Targets.to_type(ScalarType.Float64).log().mean([0], keepdim: true);
        string Row(Tensor rmse) => string.Join(" | ", rmse.data<double>().Select(x => x.ToString("G3", CultureInfo.InvariantCulture)));
        var constRmse = (targets - constant).square().mean([0]).sqrt();
        var constLog = (logs - logConstant).square().mean([0]).sqrt();
        string Header(string what) => string.Join(" | ", NoReferenceRegressor.Layers.Select(l => $"{what} {l}"));
        Console.WriteLine($"| psi | {Header("RMSE")} | {Header("RMSE/const")} | {Header("log RMSE")} |");
        Console.WriteLine($"| constant | {Row(constRmse)} | 1 | 1 | 1 | 1 | {Row(constLog)} |");
        foreach (var spec in args[2..])
        {
            var (name, path) = (spec.Split('=')[0], spec.Split('=', 2)[1]);
            using var psi = NoReferenceRegressor.FromFile(path);
            using var mode = inference_mode();
            var (norms, logMean, _) = psi.Predict(validation.Inputs);
            var rmse = (norms.to_type(ScalarType.Float64) - targets).square().mean([0]).sqrt();
            var logRmse = (logMean.to_type(ScalarType.Float64) - logs).square().mean([0]).sqrt();
            Console.WriteLine($"| {name} | {Row(rmse)} | {Row(rmse / constRmse)} | {Row(logRmse)} |");
        }
        return 0;
    }

    static IEnumerable<NoReferenceForm> Forms(NoReferenceDsdResult result, NoReferenceCalibration? calibration)
    {
        yield return NoReferenceForm.Paper;
        yield return NoReferenceForm.Log;
        if (result.LogSpread is null) yield break;
        yield return NoReferenceForm.ZScore;
        if (calibration is not null) yield return NoReferenceForm.Calibrated;
    }

    /// <summary>One result from an ensemble's: μ averaged, σ² the mixture's (mean σ² + variance of μ), norms exp(μ) or averaged.</summary>
    static NoReferenceDsdResult Combine(List<NoReferenceDsdResult> results)
    {
        if (results.Count == 1) return results[0];
        var mu = stack(results.Select(r => r.LogMean).ToArray()).mean([0]);
        var spread = results[0].LogSpread is null ? null
            : (stack(results.Select(r => r.LogSpread!.square()).ToArray()).mean([0])
               + stack(results.Select(r => r.LogMean).ToArray()).var(0, unbiased: false)).sqrt();
        var norms = spread is null ? stack(results.Select(r => r.Predicted).ToArray()).mean([0]) : mu.exp();
        return new NoReferenceDsdResult(norms, results[0].Measured, spread is null ? norms.clamp_min(1e-8).log() : mu, spread);
    }

    /// <summary>Every image of the selection and test sets, by a name that says what it is, with a loader.</summary>
    static List<(string Name, Func<Tensor> Load)> Images(string data)
    {
        var list = new List<(string, Func<Tensor>)>();
        foreach (var set in new[] { "Set5", "Set14" })
        {
            var folder = Path.Combine(data, "sr-benchmarks", set, "x4");
            foreach (var file in Directory.GetFiles(folder, "*_HR.png").Order(StringComparer.Ordinal))
            {
                var stem = $"{set}_{Path.GetFileName(file).Split("_SRF")[0]}";
                Tensor Crop()
                {
                    var img = ImageIo.Load(file);
                    var (h, w) = ((int)img.shape[2], (int)img.shape[3]);
                    var (ch, cw) = (Math.Min(256, h), Math.Min(256, w));
                    return img.narrow(2, (h - ch) / 2, ch).narrow(3, (w - cw) / 2, cw).contiguous();
                }
                list.Add(($"L__{stem}__clean__0", Crop));
                foreach (var (kind, levels) in Ladder)
                    for (var l = 0; l < levels.Length; l++)
                    {
                        var (k, v, level) = (kind, levels[l], l + 1);
                        var stable = StableSeed(stem) * 31 + level;
                        list.Add(($"L__{stem}__{kind.Name()}__{level}", () => SyntheticDistortion.Apply(Crop(), k, v, stable)));
                    }
            }
        }
        var csiq = Path.Combine(data, "iqa-human", "csiq_1600_subset");
        foreach (var f in Directory.GetFiles(csiq, "1600.*.*.png").Order(StringComparer.Ordinal))
            list.Add(("C__" + Path.GetFileName(f), () => ImageIo.Load(f)));
        foreach (var f in Directory.GetFiles(Path.Combine(data, "iqa-human", "livec_subset"), "*.bmp").Order(StringComparer.Ordinal))
            list.Add(("W__" + Path.GetFileName(f), () => ImageIo.Load(f)));
        var sr = Path.Combine(data, "sr-method-outputs", "srresnet-srgan-edsr");
        foreach (var f in Directory.GetFiles(Path.Combine(sr, "HR"), "*.png").Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileNameWithoutExtension(f);
            list.Add(($"S__HR__{stem}", () => ImageIo.Load(f)));
            foreach (var (method, suffix) in new[] { ("SRResNet", "_SRResNet-MSE"), ("SRGAN", "_SRGAN-VGG54"), ("EDSR", "_EDSR") })
            {
                var path = Path.Combine(sr, method, "images", stem + suffix + ".png");
                list.Add(($"S__{method}__{stem}", () => ImageIo.Load(path)));
            }
        }
        return list;
    }

    internal static long StableSeed(string s)
    {
        ulong h = 1469598103934665603;
        foreach (var c in s) h = (h ^ c) * 1099511628211;
        return (long)(h >> 1);
    }

    static Dictionary<string, object> Summarise(string data, Dictionary<string, double> s)
    {
        var r = new Dictionary<string, object>();
        var perKind = new Dictionary<string, List<double>>();
        foreach (var (name, _) in s.Where(kv => kv.Key.StartsWith("L__", StringComparison.Ordinal) && kv.Key.EndsWith("__clean__0", StringComparison.Ordinal)))
        {
            var stem = name.Split("__")[1];
            foreach (var (kind, levels) in Ladder)
            {
                var values = new List<double> { s[name] };
                for (var l = 1; l <= levels.Length; l++) values.Add(s[$"L__{stem}__{kind.Name()}__{l}"]);
                perKind.TryAdd(kind.Name(), []);
                perKind[kind.Name()].Add(Spearman(Enumerable.Range(0, values.Count).Select(i => (double)i).ToList(), values));
            }
        }
        foreach (var (kind, rs) in perKind) r["ladder_" + kind] = rs.Average();
        r["ladder"] = perKind.Values.SelectMany(v => v).Average();

        var dmos = File.ReadAllLines(Path.Combine(data, "iqa-human", "csiq_1600_subset", "labels_dmos.csv")).Skip(1)
            .Select(l => l.Split(',')).ToList();
        r["csiq"] = Spearman(dmos.Select(c => s["C__" + c[1]]).ToList(), dmos.Select(c => double.Parse(c[2], CultureInfo.InvariantCulture)).ToList());
        var blur = Enumerable.Range(1, 4).Select(i => s[$"C__1600.BLUR.{i}.png"]).ToList();
        r["csiq_blur_monotone"] = blur.Zip(blur.Skip(1)).All(p => p.Second > p.First);
        r["csiq_levels_AWGN"] = Enumerable.Range(1, 5).Select(i => s[$"C__1600.AWGN.{i}.png"]).ToList();
        r["csiq_levels_BLUR"] = Enumerable.Range(1, 5).Select(i => s[$"C__1600.BLUR.{i}.png"]).ToList();
        var mos = File.ReadAllLines(Path.Combine(data, "iqa-human", "livec_subset", "labels_mos.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        r["livec"] = Spearman(mos.Select(c => -s["W__" + c[0]]).ToList(), mos.Select(c => double.Parse(c[1], CultureInfo.InvariantCulture)).ToList());

        var stems = s.Keys.Where(k => k.StartsWith("S__HR__", StringComparison.Ordinal)).Select(k => k["S__HR__".Length..]).ToList();
        foreach (var m in new[] { "HR", "SRResNet", "SRGAN", "EDSR" }) r["sr_mean_" + m] = stems.Average(n => s[$"S__{m}__{n}"]);
        foreach (var m in new[] { "SRResNet", "EDSR" }) r["hr_better_" + m] = stems.Count(n => s[$"S__HR__{n}"] < s[$"S__{m}__{n}"]);
        return r;
    }

    static double[] Ranks(IReadOnlyList<double> x)
    {
        var order = Enumerable.Range(0, x.Count).OrderBy(i => x[i]).ToArray();
        var r = new double[x.Count];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && x[order[j + 1]] == x[order[i]]) j++;
            for (var k = i; k <= j; k++) r[order[k]] = (i + j) / 2.0;
            i = j + 1;
        }
        return r;
    }

    /// <summary>Spearman's rank correlation with average ranks for ties.</summary>
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var (ra, rb) = (Ranks(a), Ranks(b));
        var (ma, mb) = (ra.Average(), rb.Average());
        double sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < ra.Length; i++)
        {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}
