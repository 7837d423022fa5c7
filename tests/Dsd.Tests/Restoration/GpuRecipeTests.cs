using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Dsd.Restoration;
using Dsd.Serialization;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Dsd.Tests.Restoration;

/// <summary>
/// bench/pytorch/train_restoration.py, the one-shot GPU recipe: its dry run (CPU, a few steps of every stage) on a
/// tiny data folder made here writes the four .pth files, which our loader must read and run exactly as PyTorch did
/// (its fp32 forward of a fixed input, saved in forward-check.safetensors); and its .rgbz decoder must give back the
/// bytes <c>Dsd.Bench to-rgbz</c> encoded.
/// </summary>
public sealed class GpuRecipeTests(ITestOutputHelper output)
{
    static string Script => Path.Combine(RepoRoot, "bench", "pytorch", "train_restoration.py");

    static string RepoRoot
    {
        get
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Dsd.slnx"))) root = root.Parent;
            return root?.FullName ?? throw new InvalidOperationException("repository root (Dsd.slnx) not found");
        }
    }

    [TorchPythonFact]
    public void DryRunWritesCheckpointsThatOurLoaderRunsAsPyTorchDid()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-gpu-recipe-").FullName;
        try
        {
            var data = Path.Combine(dir, "data");
            var outDir = Path.Combine(dir, "out");
            MakeTinyData(data);
            var (code, text) = TorchPython.Run(RepoRoot, TimeSpan.FromMinutes(5), Script, "--dry-run", "--data", data, "--out", outDir);
            output.WriteLine(text);
            Assert.True(code == 0, $"train_restoration.py --dry-run exited {code}:\n{text}");

            using var log = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "train-log.json")));
            var check = SafeTensors.Load(Path.Combine(outDir, "forward-check.safetensors"));
            var outputs = new Dictionary<string, Tensor>();
            foreach (var (task, name, parameters) in new[]
                     {
                         (RestorationTask.SuperResolution, "sr", 1_111_299L), (RestorationTask.Deblur, "deblur", 815_875L),
                     })
            {
                var taskLog = log.RootElement.GetProperty("tasks").GetProperty(name);
                Assert.Equal(parameters, taskLog.GetProperty("parameters").GetInt64());
                foreach (var (stage, file) in new[] { ("psnr", $"{name}-l1"), ("dsd", $"{name}-dsd") })
                {
                    var stageLog = taskLog.GetProperty("stages").GetProperty(stage);
                    Assert.Equal(3, stageLog.GetProperty("steps").GetInt32());
                    Assert.True(stageLog.GetProperty("validation").GetProperty("psnr_y").GetDouble() > 0, $"{file}: no validation PSNR");

                    using var net = RestorationNetworks.Load(task, Path.Combine(outDir, file + ".pth"));
                    Assert.Equal(10, RestorationNetworks.Blocks(net));
                    Assert.Equal(parameters, net.parameters().Sum(p => p.numel()));
                    var x = check[$"{name}-input"];
                    using var noGrad = no_grad();
                    var y = net.call(x);
                    var s = task.Scale;
                    Assert.Equal(new[] { 1L, 3, x.shape[2] * s, x.shape[3] * s }, y.shape);
                    // A few steps from Kaiming init leave outputs of ±100s; two libtorch builds sum in other orders, so
                    // the tolerance is relative to the largest value (a wrong weight or layer is off by O(1) of it).
                    var scale = Math.Max(1.0, check[file].abs().max().item<float>());
                    var diff = check[file].sub(y).abs().max().item<float>();
                    Assert.True(diff <= 1e-4 * scale, $"{file}: max |C# − PyTorch| {diff:G4} > 1e-4 × {scale:G4}");
                    outputs[file] = y;
                }
            }
            // The DSD stage trained on from the L1 stage: the two files differ.
            Assert.True(outputs["sr-l1"].sub(outputs["sr-dsd"]).abs().max().item<float>() > 1e-4f, "sr-dsd.pth equals sr-l1.pth");
            Assert.True(outputs["deblur-l1"].sub(outputs["deblur-dsd"]).abs().max().item<float>() > 1e-4f, "deblur-dsd.pth equals deblur-l1.pth");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TorchPythonFact]
    public void RgbzFromDsdBenchDecodesToTheSameBytesInPython()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-rgbz-").FullName;
        try
        {
            const int w = 13, h = 7;
            var rgb = Pattern(w, h, seed: 5);
            var file = Path.Combine(dir, "x.rgbz");
            File.WriteAllBytes(file, Dsd.Bench.RgbzImages.Encode(rgb, w, h));
            var code = "import sys; sys.path.insert(0, sys.argv[1]); import train_restoration as t; " +
                       "u = t.read_rgbz(sys.argv[2]); print(u.shape[0], u.shape[1], u.shape[2]); " +
                       "print(bytes(u.permute(1, 2, 0).reshape(-1).tolist()).hex())";
            var (exit, text, errors) = TorchPython.RunSeparately(RepoRoot, TimeSpan.FromMinutes(2), "-c", code, Path.GetDirectoryName(Script)!, file);
            Assert.True(exit == 0, text + errors);
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal($"3 {h} {w}", lines[^2]);
            Assert.Equal(Convert.ToHexString(rgb).ToLowerInvariant(), lines[^1]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Smooth colour ramps with noise: H×W×3 bytes, channels last.</summary>
    static byte[] Pattern(int w, int h, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[w * h * 3];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                for (var c = 0; c < 3; c++)
                {
                    var v = 128 + 90 * Math.Sin((x * (c + 1) + y * (3 - c)) * 0.21 + seed) + random.Next(-20, 21);
                    bytes[(y * w + x) * 3 + c] = (byte)Math.Clamp((int)Math.Round(v), 0, 255);
                }
        return bytes;
    }

    static void WritePpm(string path, int w, int h, int seed)
    {
        using var f = File.Create(path);
        f.Write(Encoding.ASCII.GetBytes($"P6\n# test image\n{w} {h}\n255\n"));
        f.Write(Pattern(w, h, seed));
    }

    /// <summary>The layout train_restoration.py reads, with tiny images (PPM, plus one .rgbz) and our embedded VGG.</summary>
    static void MakeTinyData(string data)
    {
        foreach (var d in new[] { "sr/train", "sr/val", "deblur/train", "deblur/val" })
            Directory.CreateDirectory(Path.Combine(data, d));
        using (var vgg = Dsd.Weights.VggWeights.Embedded())
            SafeTensors.Save(Path.Combine(data, "vgg19_features_0-10.safetensors"), vgg.State);
        WritePpm(Path.Combine(data, "sr/train/a.ppm"), 48, 40, 1);
        File.WriteAllBytes(Path.Combine(data, "sr/train/b.rgbz"), Dsd.Bench.RgbzImages.Encode(Pattern(44, 36, 2), 44, 36));
        WritePpm(Path.Combine(data, "sr/val/v_HR.ppm"), 64, 48, 3);
        WritePpm(Path.Combine(data, "sr/val/v_LR.ppm"), 16, 12, 4);
        WritePpm(Path.Combine(data, "deblur/train/p.ppm"), 40, 36, 5);
        WritePpm(Path.Combine(data, "deblur/train/p_gt.ppm"), 40, 36, 6);
        WritePpm(Path.Combine(data, "deblur/val/q.ppm"), 40, 36, 7);
        WritePpm(Path.Combine(data, "deblur/val/q_gt.ppm"), 40, 36, 8);
    }
}

/// <summary>Debian's /usr/bin/python3 with python3-torch ($DSD_PYTHON overrides): runs a script, returns exit code and output.</summary>
public static class TorchPython
{
    public static string Executable => Environment.GetEnvironmentVariable("DSD_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    static readonly Lazy<bool> available = new(() =>
    {
        if (!File.Exists(Executable)) return false;
        try { return Run(Directory.GetCurrentDirectory(), TimeSpan.FromMinutes(1), "-c", "import torch").Code == 0; }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException) { return false; }
    });

    public static bool Available => available.Value;

    /// <summary>Exit code and stdout followed by stderr.</summary>
    public static (int Code, string Output) Run(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var (code, stdout, stderr) = RunSeparately(workingDirectory, timeout, args);
        return (code, stdout + stderr);
    }

    public static (int Code, string Stdout, string Stderr) RunSeparately(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Executable} did not finish within {timeout.TotalSeconds:F0} s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A fact that needs Python with torch (Debian's python3-torch); skipped with the reason when it is absent.</summary>
public sealed class TorchPythonFactAttribute : FactAttribute
{
    public TorchPythonFactAttribute()
    {
        if (!TorchPython.Available)
            Skip = $"needs {TorchPython.Executable} with torch (apt-get install python3-torch, or set DSD_PYTHON); not found or `import torch` failed";
    }
}
