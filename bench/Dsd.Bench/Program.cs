// Dsd.Bench: one benchmark item per process (so peak memory is per item), printing one JSON line on stdout.
//   Dsd.Bench item <name> [--threads N] [--runs R] [--warmup W] [--weights F] [--data D] [--cache C] [--pairs P] [--precision fp32|bf16]
//   Dsd.Bench prepare [--cache C] [--data D]      makes the distorted 2K copies (bicubic ↓4↑4) once
//   Dsd.Bench list                               item names
//   Dsd.Bench make-samples PHOTO FOLDER          the distorted copies under samples/ (README)
//   Dsd.Bench to-rgbz OUT_DIR [--max-bytes N] [--prefix P] FILE…  images as .rgbz for bench/pytorch/train_restoration.py
//   Dsd.Bench ship-model TASK NAME CKPT FOLDER DESCRIPTION   a trained generator as a shipped model (models/TASK-NAME.safetensors)
//   Dsd.Bench naturalness speed|anchors|human   NIQE and BRISQUE: speed, parity with the reference values, CSIQ and SR outputs
//   Dsd.Bench restoration-eval sr|deblur …       trained restoration models vs baselines: table and figures (bench/README.md)
// bench/run drives it together with the PyTorch twin (bench/pytorch/dsd_bench.py).
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dsd.Bench;
using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Imaging;
using Dsd.Networks;
using Dsd.Quality;
using Dsd.Scoring;
using Dsd.Weights;
using TorchSharp;
using static TorchSharp.torch;

if (args.Length == 5 && args[0] == "distort") // Dsd.Bench distort PHOTO blur|noise|jpeg|resample STRENGTH OUT.png (README's damaged-photo example)
{
    using var photo = Dsd.Imaging.ImageIo.Load(args[1]);
    var kind = Enum.Parse<Dsd.Imaging.DistortionKind>(args[2], ignoreCase: true);
    Dsd.Imaging.ImageIo.SavePng(Dsd.Imaging.SyntheticDistortion.Apply(photo, kind, double.Parse(args[3], CultureInfo.InvariantCulture), seed: 0), args[4]);
    return 0;
}
if (args.Length > 0 && args[0] == "ship-model") return ShipModel.Run(args[1..]); // Dsd.Bench ship-model TASK NAME CKPT FOLDER DESCRIPTION (issue 19)
if (args.Length > 0 && args[0] == "to-rgbz") return RgbzImages.Run(args[1..]); // Dsd.Bench to-rgbz OUT_DIR [--max-bytes N] [--prefix P] FILE… (train_restoration.py data)
if (args.Length > 0 && args[0] == "psi-rmse") return PsiEvaluation.Rmse(args[1..]); // Dsd.Bench psi-rmse VAL_BANK TRAIN_BANK NAME=PSI …
if (args.Length > 0 && args[0] == "noref-ladders") return NorefProbe.Ladders(args[1..]); // Dsd.Bench noref-ladders DATA OUT [--every K] (issue 21)
if (args.Length > 0 && args[0] == "noref-train-ladders") return NorefProbe.TrainLadders(args[1..]); // Dsd.Bench noref-train-ladders DATA OUT EVERY (issue 21)
if (args.Length > 0 && args[0] == "noref-structure") return NorefProbe.Structure(args[1..]); // Dsd.Bench noref-structure --alpha A IMAGES… (issue 21)
if (args.Length > 0 && args[0] == "noref-dump") return NorefProbe.Dump(args[1..]); // Dsd.Bench noref-dump --alpha A --psi PSI --out F.jsonl IMAGES… (issue 21)
if (args.Length > 0 && args[0] == "psi-eval") return PsiEvaluation.Run(args[1..]); // Dsd.Bench psi-eval --alpha A NAME=PSI … (issue 15)
if (args.Length > 0 && args[0] == "naturalness") return NaturalnessEvaluation.Run(args[1..]); // Dsd.Bench naturalness speed|anchors|human (issue 21: NIQE, BRISQUE)
if (args.Length > 0 && args[0] == "restoration-eval") return RestorationEvaluation.Run(args[1..]); // Dsd.Bench restoration-eval sr|deblur --data D --out DIR NAME=MODEL … (bench/README.md)
var opts = Options.Parse(args);
switch (opts.Command)
{
    case "list":
        foreach (var n in Items.Names) Console.WriteLine(n);
        return 0;
    case "prepare":
        Items.Prepare(opts);
        return 0;
    case "make-large": // Dsd.Bench make-large SOURCE MEGAPIXELS OUT.png
        LargeImages.Make(args[1], double.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
        return 0;
    case "make-samples": // Dsd.Bench make-samples PHOTO FOLDER (README's samples/distorted)
        SampleImages.Make(args[1], args[2]);
        return 0;
    case "item":
        torch.set_num_threads(opts.Threads);
        torch.set_num_interop_threads(1);
        var result = Items.Run(opts);
        result["peak_mb"] = Memory.PeakMb();
        result["threads"] = torch.get_num_threads();
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    default:
        Console.Error.WriteLine("usage: Dsd.Bench item <name> | prepare | list");
        return 2;
}

namespace Dsd.Bench
{
    sealed class Options
    {
        public string Command = "";
        public string Item = "";
        public int Threads = 2;
        public int Runs = 5;
        public int Warmup = 1;
        public int Pairs = 50;
        public string Precision = "fp32";
        public bool Interactive;
        public string Weights = "/work/shared/weights/vgg19-torchvision/vgg19_features_0-10.safetensors";
        public string Data = "/work/shared/data";
        public string Cache = Path.Combine(AppContext.BaseDirectory, "bench-cache");
        public string Golden = "/work/shared/golden";

        public static Options Parse(string[] args)
        {
            var o = new Options { Command = args.Length > 0 ? args[0] : "" };
            if (o.Command is "make-large" or "make-samples") return o;
            var i = 1;
            if (o.Command == "item") o.Item = args.Length > 1 ? args[i++] : throw new ArgumentException("item name missing");
            for (; i < args.Length; i++)
            {
                string Next() => args[++i];
                switch (args[i])
                {
                    case "--threads": o.Threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--runs": o.Runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--warmup": o.Warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--pairs": o.Pairs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--precision": o.Precision = Next(); break;
                    case "--interactive": o.Interactive = true; break;
                    case "--weights": o.Weights = Next(); break;
                    case "--data": o.Data = Next(); break;
                    case "--cache": o.Cache = Next(); break;
                    case "--golden": o.Golden = Next(); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            return o;
        }

        public string TidRef => Path.Combine(Data, "iqa-calibration/ResultsCalibra/ref_dir");
        public string TidDist => Path.Combine(Data, "iqa-calibration/ResultsCalibra/dist_dir");
        public string Urban => Path.Combine(Data, "sr-benchmarks/Urban100/x4");
    }

    static class Memory
    {
        /// <summary>VmHWM (peak resident set) of this process in MiB.</summary>
        public static double PeakMb()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            return double.NaN;
        }
    }

    static class Items
    {
        public static readonly string[] Names =
        [
            "gemm_2048", "score_512x384_single", "score_512x384_folder50", "score_2k_single", "score_2k_folder",
            "fingerprint_512x384", "train_step_xsrresnet", "infer_x4_256",
        ];

        /// <summary>The five TID2013 calibration pairs, each repeated so that consecutive pairs share a reference.</summary>
        public static List<ImagePair> TidPairs(Options o, int count)
        {
            var names = Directory.GetFiles(o.TidDist, "*.bmp").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            var per = (count + names.Count - 1) / names.Count;
            var list = new List<ImagePair>();
            foreach (var n in names)
                for (var k = 0; k < per && list.Count < count; k++)
                    list.Add(new ImagePair(Path.Combine(o.TidDist, n!), Path.Combine(o.TidRef, n!)));
            return list;
        }

        public static string[] UrbanNames => ["img_001", "img_002", "img_003", "img_004", "img_005"];

        public static string UrbanHr(Options o, string name) => Path.Combine(o.Urban, $"{name}_SRF_4_HR.png");

        public static string UrbanDistorted(Options o, string name) => Path.Combine(o.Cache, $"{name}_HR_bicubic_x4.png");

        public static List<ImagePair> UrbanPairs(Options o, int count)
        {
            var per = (count + UrbanNames.Length - 1) / UrbanNames.Length;
            var list = new List<ImagePair>();
            foreach (var n in UrbanNames)
                for (var k = 0; k < per && list.Count < count; k++)
                    list.Add(new ImagePair(UrbanDistorted(o, n), UrbanHr(o, n)));
            return list;
        }

        /// <summary>Distorted 2K copies: MATLAB bicubic ↓4 then ↑4 (to the original size), saved as 8-bit PNG.</summary>
        public static void Prepare(Options o)
        {
            Directory.CreateDirectory(o.Cache);
            foreach (var n in UrbanNames)
            {
                var target = UrbanDistorted(o, n);
                if (File.Exists(target)) continue;
                using var scope = NewDisposeScope();
                using var mode = inference_mode();
                var hr = ImageIo.Load(UrbanHr(o, n));
                var (h, w) = ((int)hr.shape[2], (int)hr.shape[3]);
                var lr = Imresize.Scale(hr, 0.25);
                var back = Imresize.Resize(lr, h, w);
                ImageIo.SavePng(back, target);
                Console.Error.WriteLine($"prepared {target}");
            }
        }

        public static Dictionary<string, object> Run(Options o)
        {
            return o.Item switch
            {
                "gemm_2048" => Gemm(o),
                "score_512x384_single" => ScoreSingle(o, TidPairs(o, 1)[0]),
                "score_512x384_folder50" => ScoreFolder(o, TidPairs(o, o.Pairs)),
                "score_2k_single" => ScoreSingle(o, UrbanPairs(o, 1)[0]),
                "score_2k_folder" => ScoreFolder(o, UrbanPairs(o, o.Pairs)),
                "fingerprint_512x384" => FingerprintItem(o),
                "train_step_xsrresnet" => TrainStep(o),
                "infer_x4_256" => Infer(o),
                "profile" => Profile(o),
                "bf16_error" => Bf16Error(o),
                _ => throw new ArgumentException($"unknown item {o.Item}; known: {string.Join(", ", Names)}"),
            };
        }

        /// <summary>
        /// Warm-up, then timed runs. Standalone: <c>--runs</c> runs. With <c>--interactive</c> (bench/run): prints
        /// <c>{"ready":true}</c>, then runs once per "run" line on stdin, answering <c>{"ms":…}</c>, until "end", so
        /// that the driver can alternate runs of this and the PyTorch process on a shared machine.
        /// </summary>
        static Dictionary<string, object> Timed(Options o, Func<double[]> once, double gflop, Func<double[]>? warmup = null)
        {
            double[] values = [];
            for (var i = 0; i < o.Warmup; i++) values = (warmup ?? once)();
            var times = new List<double>();
            double Run()
            {
                var sw = Stopwatch.StartNew();
                values = once();
                var ms = sw.Elapsed.TotalMilliseconds;
                times.Add(ms);
                return ms;
            }
            if (o.Interactive)
            {
                Console.WriteLine("{\"ready\":true}");
                while (Console.ReadLine() is { } line && line.Trim() == "run")
                    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double> { ["ms"] = Run() }));
            }
            else
                for (var i = 0; i < o.Runs; i++) Run();
            var sorted = times.Order().ToArray();
            return new Dictionary<string, object>
            {
                ["name"] = o.Item,
                ["impl"] = "ours",
                ["times_ms"] = times,
                ["median_ms"] = sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]),
                ["min_ms"] = sorted.Length == 0 ? double.NaN : sorted[0],
                ["gflop"] = gflop,
                ["values"] = values,
                ["precision"] = o.Precision,
            };
        }

        static Dictionary<string, object> Gemm(Options o)
        {
            const int n = 2048;
            using var a = randn(n, n);
            using var b = randn(n, n);
            using var mode = inference_mode();
            return Timed(o, () => { using var r = torch.mm(a, b); return []; }, 2.0 * n * n * n / 1e9);
        }

        static Vgg19Features LoadVgg(Options o, IReadOnlyList<string> taps)
        {
            var state = VggWeightStore.LoadNormalised(o.Weights);
            return new Vgg19Features(taps, state, CPU, o.Weights);
        }

        static Tensor Cast(Options o, Tensor image) => o.Precision == "bf16" ? image.to(ScalarType.BFloat16) : image;

        /// <summary>One pair end to end: both images loaded from disk, both fingerprints computed, distance.</summary>
        static Dictionary<string, object> ScoreSingle(Options o, ImagePair pair)
        {
            using var vgg = LoadVgg(o, DsdOptions.ImageQuality.Layers);
            if (o.Precision == "bf16") vgg.to(ScalarType.BFloat16);
            var size = ImageIo.ReadSize(pair.Reference!);
            var gflop = Flops.ScorePair(size.Height, size.Width, DsdOptions.ImageQuality, referenceToo: true);
            return Timed(o, () =>
            {
                using var scope = NewDisposeScope();
                using var mode = inference_mode();
                var dist = Cast(o, ImageIo.Load(pair.Distorted));
                var reference = Cast(o, ImageIo.Load(pair.Reference!));
                using var metric = new DsdMetric(vgg, DsdOptions.ImageQuality);
                return [metric.Score(dist, reference)];
            }, gflop);
        }

        /// <summary>A folder: PairScorer as <c>dsd score</c> uses it (streams images, keeps the last reference's fingerprint).</summary>
        static Dictionary<string, object> ScoreFolder(Options o, List<ImagePair> pairs)
        {
            using var vgg = LoadVgg(o, DsdOptions.ImageQuality.Layers);
            var gflop = 0.0;
            string? last = null;
            foreach (var p in pairs)
            {
                var size = ImageIo.ReadSize(p.Reference!);
                gflop += Flops.ScorePair(size.Height, size.Width, DsdOptions.ImageQuality, referenceToo: p.Reference != last);
                last = p.Reference;
            }
            double[] ScoreAll(int count)
            {
                var metric = new DsdMetric(vgg, DsdOptions.ImageQuality);
                using var scorer = new PairScorer([new CatalogMetric(MetricCatalog.Metric("dsd"), metric)], CPU);
                var scores = new double[count];
                for (var i = 0; i < count; i++)
                {
                    var r = scorer.Score(pairs[i], i);
                    if (r.Error is not null) throw new InvalidOperationException(r.Error);
                    scores[i] = r.Scores["dsd"];
                }
                return scores;
            }
            // Warm-up on the first 3 pairs only: the folder itself is long.
            return Timed(o, () => ScoreAll(pairs.Count), gflop, () => ScoreAll(Math.Min(3, pairs.Count)));
        }

        static Dictionary<string, object> FingerprintItem(Options o)
        {
            var options = DsdOptions.Fingerprint;
            using var vgg = LoadVgg(o, options.Layers);
            if (o.Precision == "bf16") vgg.to(ScalarType.BFloat16);
            using var image = Cast(o, ImageIo.Load(TidPairs(o, 1)[0].Reference!));
            var gflop = Flops.Fingerprint((int)image.shape[2], (int)image.shape[3], options);
            return Timed(o, () =>
            {
                using var scope = NewDisposeScope();
                using var mode = inference_mode();
                using var print = Fingerprint.Compute(vgg, image, options);
                var values = new List<double>();
                foreach (var a in options.Alphas)
                    foreach (var l in options.Layers)
                        values.Add(print.MeanAbs(a, l).to(ScalarType.Float64).item<double>());
                return values.ToArray();
            }, gflop);
        }

        static Dictionary<string, object> TrainStep(Options o)
        {
            torch.manual_seed(0);
            using var net = new XSrResNet(10);
            net.train();
            using var vgg = LoadVgg(o, DsdOptions.RestorationLoss.Layers);
            var loss = new DsdLoss(vgg, DsdOptions.RestorationLoss);
            var optimizer = optim.Adam(net.parameters(), lr: 2e-4, beta1: 0.9, beta2: 0.99);
            using var lr = rand(16, 3, 24, 24);
            using var hr = rand(16, 3, 96, 96);
            var gflop = Flops.TrainStep(16, 24, 24, DsdOptions.RestorationLoss);
            return Timed(o, () =>
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var sr = net.call(lr);
                var total = nn.functional.l1_loss(sr, hr) + loss.Forward(sr, hr);
                total.backward();
                optimizer.step();
                return [total.item<float>()];
            }, gflop);
        }

        /// <summary>
        /// Reduced precision: DSD values with VGG convolutions in bfloat16 (Grams in float32) against float32, on the
        /// pretrained golden crops (fingerprint α=2,4 and the dsd_iqa loss value) and the five TID2013 pairs.
        /// </summary>
        static Dictionary<string, object> Bf16Error(Options o)
        {
            var golden = Dsd.Serialization.SafeTensors.Load(Path.Combine(o.Golden, "pretrained/golden.safetensors"));
            var result = new Dictionary<string, object> { ["name"] = "bf16_error" };
            double Rel(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-30);
            using var mode = inference_mode();
            using (var probe = randn(1, 4, 5, 5).to(ScalarType.BFloat16)) result["gram_of_bf16_dtype"] = Gram.Of(probe).dtype.ToString();
            foreach (var (label, options) in new[] { ("fingerprint", DsdOptions.Fingerprint), ("iqa", DsdOptions.ImageQuality) })
            {
                using var vgg32 = LoadVgg(o, options.Layers);
                using var vgg16 = LoadVgg(o, options.Layers);
                vgg16.to(ScalarType.BFloat16);
                double worstGolden = 0, worstOurs = 0;
                if (label == "fingerprint")
                {
                    var img = golden["images/ref_crop"];
                    using var p32 = Fingerprint.Compute(vgg32, img, options);
                    using var p16 = Fingerprint.Compute(vgg16, img.to(ScalarType.BFloat16), options);
                    foreach (var a in options.Alphas)
                        foreach (var l in options.Layers)
                        {
                            var g = golden[$"fingerprint/{DsdOptions.AlphaName(a)}/{l}"];
                            var scale = g.abs().max().item<float>();
                            worstGolden = Math.Max(worstGolden, (p16[a, l] - g).abs().max().item<float>() / scale);
                            worstOurs = Math.Max(worstOurs, (p32[a, l] - g).abs().max().item<float>() / scale);
                        }
                    result["fingerprint_golden_bf16_max_err_rel_to_max"] = worstGolden;
                    result["fingerprint_golden_fp32_max_err_rel_to_max"] = worstOurs;
                }
                else
                {
                    var expected = golden["loss/dsd_iqa/value"].item<float>();
                    var d32 = DsdDistance.Between(vgg32, golden["images/dist_crop"], golden["images/ref_crop"], options).item<float>();
                    var d16t = DsdDistance.Between(vgg16, golden["images/dist_crop"].to(ScalarType.BFloat16), golden["images/ref_crop"].to(ScalarType.BFloat16), options);
                    result["dsd_dtype"] = d16t.dtype.ToString();
                    var d16 = d16t.to(ScalarType.Float32).item<float>();
                    result["dsd_iqa_golden_fp32_rel"] = Rel(d32, expected);
                    result["dsd_iqa_golden_bf16_rel"] = Rel(d16, expected);
                    var rels = new List<double>();
                    foreach (var pair in TidPairs(o, 25).Where((_, i) => i % 5 == 0))
                    {
                        var dist = ImageIo.Load(pair.Distorted);
                        var reference = ImageIo.Load(pair.Reference!);
                        var a32 = DsdDistance.Between(vgg32, dist, reference, options).item<float>();
                        var a16 = DsdDistance.Between(vgg16, dist.to(ScalarType.BFloat16), reference.to(ScalarType.BFloat16), options).to(ScalarType.Float32).item<float>();
                        rels.Add(Rel(a16, a32));
                    }
                    result["tid_pairs_bf16_vs_fp32_rel"] = rels;
                }
            }
            return result;
        }

        /// <summary>Diagnostics: the parts of one 512×384 fingerprint timed separately (median of runs, stderr).</summary>
        static Dictionary<string, object> Profile(Options o)
        {
            var options = DsdOptions.ImageQuality;
            using var vgg = LoadVgg(o, options.Layers);
            var path = TidPairs(o, 1)[0].Reference!;
            using var image = ImageIo.Load(path);
            void Part(string name, Action a)
            {
                a();
                var t = new List<double>();
                for (var i = 0; i < o.Runs; i++) { var sw = Stopwatch.StartNew(); a(); t.Add(sw.Elapsed.TotalMilliseconds); }
                Console.Error.WriteLine($"{name,-28} median {t.Order().ElementAt(t.Count / 2),9:F1} ms  min {t.Min(),9:F1}");
            }
            Part("load", () => { using var s = NewDisposeScope(); ImageIo.Load(path); });
            Part("downscale x2", () => { using var s = NewDisposeScope(); using var m = inference_mode(); Downscaling.Apply(image, 2); });
            Part("vgg full", () => { using var s = NewDisposeScope(); using var m = inference_mode(); vgg.call(image); });
            Part("conv1_2 alone", () =>
            {
                using var s = NewDisposeScope(); using var m = inference_mode();
                var x = randn(1, 64, 384, 512); var w = randn(64, 64, 3, 3);
                var sw = Stopwatch.StartNew(); nn.functional.conv2d(x, w, padding: [1, 1]);
            });
            using var f12 = randn(1, 64, 384, 512).relu_();
            using var f31 = randn(1, 256, 96, 128).relu_();
            Part("gram relu1_2", () => { using var s = NewDisposeScope(); using var m = inference_mode(); Gram.Of(f12); });
            Part("gram relu3_1", () => { using var s = NewDisposeScope(); using var m = inference_mode(); Gram.Of(f31); });
            Part("gram relu1_2 mm", () => { using var s = NewDisposeScope(); using var m = inference_mode(); var f = f12.view(64, -1); f.mm(f.t()); });
            using var x64 = randn(1, 64, 384, 512);
            using var w64 = randn(64, 64, 3, 3);
            using var x64cl = x64.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            using var w64cl = w64.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            Part("conv1_2 nchw", () => { using var s = NewDisposeScope(); using var m = inference_mode(); nn.functional.conv2d(x64, w64, padding: [1, 1]); });
            Part("conv1_2 channels-last", () => { using var s = NewDisposeScope(); using var m = inference_mode(); nn.functional.conv2d(x64cl, w64cl, padding: [1, 1]); });
            Part("conv1_2 nchw again", () => { using var s = NewDisposeScope(); using var m = inference_mode(); nn.functional.conv2d(x64, w64, padding: [1, 1]); });
            Part("fingerprint", () => { using var s = NewDisposeScope(); using var m = inference_mode(); Fingerprint.Compute(vgg, image, options).Dispose(); });
            return new Dictionary<string, object> { ["name"] = "profile" };
        }

        static Dictionary<string, object> Infer(Options o)
        {
            torch.manual_seed(0);
            using var net = new XSrResNet(10);
            net.eval();
            foreach (var p in net.parameters()) p.requires_grad = false;
            using var x = rand(1, 3, 256, 256);
            var gflop = Flops.XSrResNet(1, 256, 256);
            return Timed(o, () =>
            {
                using var scope = NewDisposeScope();
                using var mode = inference_mode();
                var y = net.call(x);
                return [y.shape[2], y.shape[3]];
            }, gflop);
        }
    }

    /// <summary>FLOP counts (multiply and add = 2): convs 2·Cin·Cout·k²·H·W, depthwise 2·C·k²·H·W, Gram 2·C²·H·W.</summary>
    static class Flops
    {
        static double Conv(int cin, int cout, int k, long h, long w) => 2.0 * cin * cout * k * k * h * w;

        /// <summary>VGG19 up to the deepest tap plus the Gram of every tap, for one image.</summary>
        public static double VggAndGrams(int h, int w, IReadOnlyList<string> taps)
        {
            var deepest = taps.Max(Vgg19Layers.IndexOf);
            double total = 0;
            long hh = h, ww = w;
            for (var i = 0; i <= deepest; i++)
            {
                var name = Vgg19Layers.Names[i];
                if (Dsd.Weights.Vgg19Layout.ConvAt(i) is { } conv) total += Conv(conv.InChannels, conv.OutChannels, 3, hh, ww);
                if (name.StartsWith("pool", StringComparison.Ordinal)) { hh /= 2; ww /= 2; }
                var channels = Dsd.Weights.Vgg19Layout.Convs.Last(c => c.Index <= i).OutChannels;
                if (taps.Contains(name)) total += 2.0 * channels * channels * hh * ww;
            }
            return total;
        }

        static double Downscale(int h, int w, int alpha) => 2.0 * 3 * (4 * alpha) * (4 * alpha) * (h / alpha) * (w / alpha);

        public static double Fingerprint(int h, int w, DsdOptions options)
        {
            var total = VggAndGrams(h, w, options.Layers);
            foreach (var a in options.Alphas)
                total += Downscale(h, w, (int)a) + VggAndGrams(h / (int)a, w / (int)a, options.Layers);
            return total / 1e9;
        }

        public static double ScorePair(int h, int w, DsdOptions options, bool referenceToo) =>
            Fingerprint(h, w, options) * (referenceToo ? 2 : 1);

        /// <summary>xSRResNet forward on a [b,3,h,w] LR batch.</summary>
        public static double XSrResNet(int b, int h, int w, int blocks = 10)
        {
            double t = Conv(3, 64, 5, h, w);
            t += blocks * (2 * Conv(64, 64, 3, h, w) + 2.0 * 64 * 49 * h * w);
            t += Conv(64, 256, 3, h, w) + Conv(64, 256, 3, 2 * h, 2 * w);
            t += Conv(64, 64, 3, 4 * h, 4 * w) + Conv(64, 3, 5, 4 * h, 4 * w);
            return b * t / 1e9;
        }

        /// <summary>
        /// Training step ≈ 3× the generator's forward (forward, grad of inputs, grad of weights) + 2× the VGG work on
        /// the output and its ↓2 (forward + input gradient, VGG weights frozen) + 1× for the target's fingerprint.
        /// </summary>
        public static double TrainStep(int b, int h, int w, DsdOptions options) =>
            3 * XSrResNet(b, h, w) + 3 * b * Fingerprint(4 * h, 4 * w, options);
    }
}
