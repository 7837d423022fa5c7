using System.Globalization;
using System.Text.Json;
using Dsd.Dissimilarity;
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
/// The no-reference study of issue 21 (bench/psi/README.md, "Round 3"):
///   Dsd.Bench noref-ladders DATA OUT [--every K]
///     writes the selection ladders as PNG files: every K-th BSDS500 test photo (and the 18 sharp GoPro frames, centre
///     480×320) clean and with blur σ 0.5/0.8/1.2, white noise σ 2/4/7 of 255, JPEG q 70/45/25 and bicubic down-up
///     ×1.5/2/3, named L__STEM__KIND__LEVEL.png (G__… for GoPro); and degenerate images D__NAME.png.
///   Dsd.Bench noref-dump --alpha A --psi PSI --out FILE.jsonl IMAGE|FOLDER …
///     per image and per psi tile: psi's μ and σ, and per layer the statistics of the Grams at full resolution, ↓α and
///     ↓α² (mean |G − G↓|, traces), one JSON line per image, for the analysis in bench/psi/noref_study.py.
/// </summary>
internal static class NorefProbe
{
    static readonly (DistortionKind Kind, double[] Levels)[] Ladder =
    [
        (DistortionKind.Blur, [0.5, 0.8, 1.2]),
        (DistortionKind.Noise, [2, 4, 7]),
        (DistortionKind.Jpeg, [70, 45, 25]),
        (DistortionKind.Resample, [1.5, 2, 3]),
    ];

    /// <summary>
    /// Training ladders for fitting a form (never the selection photos): every K-th BSDS500 training photo, clean plus
    /// a weak and a strong copy of each kind with strengths drawn in the calibration's ranges (docs/method.md §3),
    /// named T__STEM__KIND__1|2.png (2 is the stronger).
    /// </summary>
    public static int TrainLadders(string[] args)
    {
        var (data, output, every) = (args[0], args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
        Directory.CreateDirectory(output);
        var random = new Random(21);
        (DistortionKind Kind, double Low, double High)[] ranges =
            [(DistortionKind.Blur, 0.3, 2), (DistortionKind.Noise, 1, 12), (DistortionKind.Jpeg, 30, 95), (DistortionKind.Resample, 1.25, 3.5)];
        foreach (var file in Directory.GetFiles(Path.Combine(data, "natural", "bsds500", "train"), "*.jpg").Order(StringComparer.Ordinal).Where((_, i) => i % every == 0))
        {
            using var scope = NewDisposeScope();
            var image = ImageIo.Load(file);
            var stem = Path.GetFileNameWithoutExtension(file);
            ImageIo.SavePng(image, Path.Combine(output, $"T__{stem}__clean__0.png"));
            foreach (var (kind, low, high) in ranges)
            {
                var (a, b) = (low + random.NextDouble() * (high - low), low + random.NextDouble() * (high - low));
                var (weak, strong) = kind.StrongerWhenLarger() ? (Math.Min(a, b), Math.Max(a, b)) : (Math.Max(a, b), Math.Min(a, b));
                ImageIo.SavePng(SyntheticDistortion.Apply(image, kind, weak, random.NextInt64()), Path.Combine(output, $"T__{stem}__{kind.Name()}__1.png"));
                ImageIo.SavePng(SyntheticDistortion.Apply(image, kind, strong, random.NextInt64()), Path.Combine(output, $"T__{stem}__{kind.Name()}__2.png"));
            }
        }
        return 0;
    }

    public static int Ladders(string[] args)
    {
        var (data, output) = (args[0], args[1]);
        var every = args.Length > 3 && args[2] == "--every" ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
        Directory.CreateDirectory(output);
        var photos = Directory.GetFiles(Path.Combine(data, "natural", "bsds500", "test"), "*.jpg").Order(StringComparer.Ordinal)
            .Where((_, i) => i % every == 0).Select(f => ("L", f));
        var gopro = Directory.GetFiles(Path.Combine(data, "deblur", "gopro-derived-pairs", "pairs"), "*_gt.png").Order(StringComparer.Ordinal)
            .Select(f => ("G", f));
        foreach (var (set, file) in photos.Concat(gopro))
        {
            using var scope = NewDisposeScope();
            var image = ImageIo.Load(file);
            if (set == "G")
            {
                var (h, w) = ((int)image.shape[2], (int)image.shape[3]);
                image = image.narrow(2, (h - 320) / 2, 320).narrow(3, (w - 480) / 2, 480).contiguous();
            }
            var stem = Path.GetFileNameWithoutExtension(file).Replace("_", "-", StringComparison.Ordinal);
            ImageIo.SavePng(image, Path.Combine(output, $"{set}__{stem}__clean__0.png"));
            foreach (var (kind, levels) in Ladder)
                for (var l = 0; l < levels.Length; l++)
                    ImageIo.SavePng(SyntheticDistortion.Apply(image, kind, levels[l], PsiEvaluation.StableSeed(stem) * 31 + l + 1),
                        Path.Combine(output, $"{set}__{stem}__{kind.Name()}__{l + 1}.png"));
        }
        Degenerate(output);
        return 0;
    }

    /// <summary>Blank and nearly blank frames that a no-reference score must not call better than a photo.</summary>
    static void Degenerate(string output)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(7);
        void Save(string name, Tensor image) => ImageIo.SavePng(image.clamp(0, 1).mul(255).round().div(255), Path.Combine(output, $"D__{name}.png"));
        foreach (var g in new[] { 0, 128, 255 }) Save($"uniform-{g}", full(1, 3, 320, 320, g / 255.0));
        Save("uniform-colour", tensor(new[] { 0.8f, 0.3f, 0.2f }).view(1, 3, 1, 1).expand(1, 3, 320, 320));
        foreach (var s in new[] { 1, 3 }) Save($"grey-noise-{s}", full(1, 3, 320, 320, 0.5) + randn(1, 3, 320, 320, generator: gen) * (s / 255.0));
        Save("gradient", linspace(0, 1, 320).view(1, 1, 1, 320).expand(1, 3, 320, 320));
        Save("uniform-small", full(1, 3, 64, 64, 0.5));
        var dot = full(1, 3, 320, 320, 0.5);
        dot[.., .., 150..170, 150..170] = tensor(0.1f);
        Save("square-on-grey", dot);
        Save("text-like", (rand(1, 1, 40, 40, generator: gen) > 0.8).to_type(ScalarType.Float32).repeat_interleave(8, 2).repeat_interleave(8, 3).expand(1, 3, 320, 320));
    }

    public static int Dump(string[] args)
    {
        var alpha = 4;
        string? psiPath = null, output = null;
        var center = false; // only the centre tile of each image (the study's ladders): a third of the time
        var inputs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--alpha": alpha = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--psi": psiPath = args[++i]; break;
                case "--out": output = args[++i]; break;
                case "--center": center = true; break;
                default: inputs.Add(args[i]); break;
            }
        }
        var files = inputs.SelectMany<string, string>(p => Directory.Exists(p)
            ? Directory.GetFiles(p).Where(ImageIo.IsSupported).Order(StringComparer.Ordinal)
            : [p]).ToList();
        var vgg = new Vgg19Features(NoReferenceRegressor.Layers, VggWeights.Embedded());
        var psi = NoReferenceRegressor.FromFile(psiPath!);
        var metric = new NoReferenceDsd(psi, vgg, alpha);
        using var writer = new StreamWriter(output! + ".tmp");
        var done = 0;
        foreach (var file in files)
        {
            using var scope = NewDisposeScope();
            using var mode = inference_mode();
            var image = ImageIo.Load(file);
            var all = metric.Tiles(image);
            var tiles = center ? CentreTile(image, metric.Tile) : cat(all, 0);
            var small = Downscaling.Apply(tiles, alpha);
            var (_, mu, sigma) = psi.Predict(small);
            var smaller = Downscaling.Apply(small, alpha);
            var grams = new[] { tiles, small, smaller }.Select(x =>
            {
                var f = vgg.call(x);
                return NoReferenceRegressor.Layers.Select(l => Gram.Of(f[l])).ToArray();
            }).ToArray();
            double[][] Per(Func<int, Tensor> stat) => Enumerable.Range(0, 4).Select(l => stat(l).to_type(ScalarType.Float64).data<double>().ToArray()).ToArray();
            Tensor Trace(Tensor g) => g.diagonal(0, 1, 2).mean([1]);
            var record = new Dictionary<string, object>
            {
                ["name"] = Path.GetFileName(file),
                ["structure"] = BlankFrameGuard.Structure(tiles).to_type(ScalarType.Float64).data<double>().ToArray(),
                ["mu"] = Per(l => mu[.., l]),
                ["sigma"] = Per(l => sigma![.., l]),
                ["d1"] = Per(l => (grams[0][l] - grams[1][l]).abs().mean([1, 2])),
                ["d2"] = Per(l => (grams[1][l] - grams[2][l]).abs().mean([1, 2])),
                ["t0"] = Per(l => Trace(grams[0][l])),
                ["t1"] = Per(l => Trace(grams[1][l])),
                ["t2"] = Per(l => Trace(grams[2][l])),
                ["o0"] = Per(l => grams[0][l].abs().mean([1, 2])),
                ["o1"] = Per(l => grams[1][l].abs().mean([1, 2])),
            };
            writer.WriteLine(JsonSerializer.Serialize(record));
            if (++done % 50 == 0) Console.Error.WriteLine($"noref-dump: {done}/{files.Count}");
        }
        writer.Close();
        File.Move(output! + ".tmp", output!, overwrite: true);
        return 0;
    }

    /// <summary>
    ///   Dsd.Bench noref-structure --alpha A IMAGE|FOLDER …
    /// prints per image the <see cref="BlankFrameGuard.Structure"/> of x↓α, the minimum over its psi tiles and the mean.
    /// </summary>
    public static int Structure(string[] args)
    {
        var alpha = int.Parse(args[1], CultureInfo.InvariantCulture);
        var files = args[2..].SelectMany<string, string>(p => Directory.Exists(p)
            ? Directory.GetFiles(p).Where(ImageIo.IsSupported).Order(StringComparer.Ordinal) : [p]);
        foreach (var file in files)
        {
            using var scope = NewDisposeScope();
            var image = ImageIo.Load(file);
            var tile = NoReferenceDsd.DefaultTile(alpha);
            var tiles = (from y in NoReferenceDsd.TileStarts(image.shape[2], tile) from x in NoReferenceDsd.TileStarts(image.shape[3], tile)
                         select image.narrow(2, y, Math.Min(tile, image.shape[2])).narrow(3, x, Math.Min(tile, image.shape[3]))).ToList();
            var perTile = tiles.Select(t => BlankFrameGuard.Structure(t).item<float>()).ToList();
            var whole = BlankFrameGuard.Structure(image).item<float>();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(file)}\t{whole:F3}\t{perTile.Min():F3}\t{perTile.Average():F3}"));
        }
        return 0;
    }

    static Tensor CentreTile(Tensor image, int tile)
    {
        var (h, w) = (image.shape[2], image.shape[3]);
        var (th, tw) = (Math.Min(tile, h), Math.Min(tile, w));
        return image.narrow(2, (h - th) / 2, th).narrow(3, (w - tw) / 2, tw).contiguous();
    }
}
