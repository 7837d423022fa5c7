using System.Buffers.Binary;
using System.Diagnostics;
using Dsd.Cli;
using Dsd.Imaging;
using Dsd.Networks;
using Dsd.Restoration;
using Dsd.Tests.Cli;
using Dsd.Regressor;
using SkiaSharp;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Robustness;

/// <summary>
/// Folders with bad files through the commands: the good files are processed and written, each bad one is reported on one
/// line, the exit code is 2, and no stack trace reaches the user. The first tests run the real executable in a child
/// process, because an abort in a native decoder would otherwise take the test host with it.
/// </summary>
[Collection(CliHarness.Name)]
public sealed class CliRobustnessTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("dsd-cli-robust-").FullName;

    public void Dispose()
    {
        foreach (var link in Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Where(p => new FileInfo(p).LinkTarget is not null).ToList())
            File.Delete(link);
        Directory.Delete(dir, recursive: true);
    }

    static (int Code, string Out, string Err) RunExecutable(params string[] args) => DsdProcess.Run(args).GetAwaiter().GetResult();

    static void AssertNoStackTrace(string stderr)
    {
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
    }

    string Image(string folder, string name, int seed, int size = 40)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        manual_seed(seed);
        ImageIo.SavePng(rand(1, 3, size, size), path);
        return path;
    }

    /// <summary>Three good pairs a, c, e and, between them, the hostile files the issue found.</summary>
    (string Ref, string Dist, string[] Bad) FolderWithBadFiles()
    {
        var (refs, dists) = (Path.Combine(dir, "ref"), Path.Combine(dir, "dist"));
        foreach (var (name, seed) in new[] { ("a", 1), ("c", 2), ("e", 3) })
        {
            Image(refs, name + ".png", seed);
            Image(dists, name + ".png", seed + 10);
        }
        foreach (var name in new[] { "b", "d", "f", "g", "h" }) Image(refs, name + ".png", 20);
        // b: BMP whose pixel data offset is 0x7fffffff (aborted the process with "Out of memory.").
        var bmp = new byte[54 + 40 * 40 * 3];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 0x7fffffff);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), 40);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        var b = Path.Combine(dists, "b.bmp");
        File.WriteAllBytes(b, bmp);
        // d: a PNG whose header declares 60000×60000 (OverflowException in Skia's size computation).
        var png = File.ReadAllBytes(Path.Combine(dists, "a.png"));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), 60000);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), 60000);
        var d = Path.Combine(dists, "d.png");
        File.WriteAllBytes(d, Mutants.FixPngCrc(png, 8));
        // f: a directory named like an image; g: a symbolic link to itself; h: a JPEG cut short.
        var f = Directory.CreateDirectory(Path.Combine(dists, "f.png")).FullName;
        var g = Path.Combine(dists, "g.png");
        File.CreateSymbolicLink(g, g);
        using (var image = SKImage.FromPixelCopy(new SKImageInfo(40, 40, SKColorType.Rgba8888, SKAlphaType.Opaque), Enumerable.Repeat((byte)128, 40 * 40 * 4).ToArray()))
        using (var data = image.Encode(SKEncodedImageFormat.Jpeg, 90))
        {
            var jpeg = data.ToArray();
            File.WriteAllBytes(Path.Combine(dists, "h.jpg"), jpeg[..(jpeg.Length / 2)]);
        }
        return (refs, dists, [b, d, f, g, Path.Combine(dists, "h.jpg")]);
    }

    [Fact]
    public void Score_executable_scores_the_good_pairs_reports_each_bad_file_and_exits_2()
    {
        var (refs, dists, bad) = FolderWithBadFiles();
        var csv = Path.Combine(dir, "scores.csv");
        var (code, _, stderr) = RunExecutable("score", "--ref", refs, "--dist", dists, "--metrics", "dsd,psnr-rgb",
            "--vgg-weights", CliHarness.GoldenWeights, "--format", "csv", "--out", csv);

        Assert.True(code == CliRunner.InputsFailed, $"exit {code}: {stderr}");
        AssertNoStackTrace(stderr);
        foreach (var path in bad) Assert.Contains($"dsd: error: {path}: ", stderr);
        var rows = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(8, rows.Count);
        var good = rows.Where(r => r[^1] == "").ToList();
        Assert.Equal(["a.png", "c.png", "e.png"], good.Select(r => Path.GetFileName(r[1])));
        Assert.All(good, r => Assert.True(double.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture) > 0));
    }

    [Fact]
    public void Score_executable_with_strict_stops_at_the_first_bad_file_but_writes_what_it_scored()
    {
        var (refs, dists, bad) = FolderWithBadFiles();
        var csv = Path.Combine(dir, "scores.csv");
        var (code, _, stderr) = RunExecutable("score", "--ref", refs, "--dist", dists, "--metrics", "psnr-rgb", "--strict", "--format", "csv", "--out", csv);
        Assert.Equal(CliRunner.InputsFailed, code);
        AssertNoStackTrace(stderr);
        Assert.Contains(bad[0], stderr);
        Assert.DoesNotContain(bad[1], stderr);
        var rows = File.ReadAllLines(csv).Skip(1).ToList();
        Assert.Equal(2, rows.Count); // a scored, b failed, nothing after
    }

    [Fact]
    public void Max_pixels_applies_to_every_command_and_is_in_help()
    {
        var a = Image(Path.Combine(dir, "x"), "a.png", 1);
        var (code, _, stderr) = RunExecutable("score", "--ref", a, "--dist", a, "--metrics", "psnr-rgb", "--max-pixels", "1000");
        Assert.Equal(CliRunner.InputsFailed, code);
        Assert.Contains($"{a}: 40×40 pixels (0.002 MP) exceeds the limit of 0.001 MP (raise it with --max-pixels)", stderr);
        var (_, help, _) = CliHarness.Run("fingerprint", "--help");
        Assert.Contains("--max-pixels", help);
        Assert.Contains("default 100,000,000 (100 MP)", help);
    }

    [Fact]
    public void Root_help_prints_the_exit_code_table()
    {
        var (code, help, _) = CliHarness.Run("--help");
        Assert.Equal(0, code);
        foreach (var (c, meaning) in CliRunner.ExitCodes) Assert.Contains($"{c,3}  {meaning}", help);
        Assert.DoesNotContain("Exit codes", CliHarness.Run("score", "--help").Out);
    }

    [Fact]
    public void An_unexpected_exception_is_one_line_asking_for_a_report_and_exit_6()
    {
        var (oldErr, err) = (Console.Error, new StringWriter());
        Console.SetError(err);
        try
        {
            CliRunner.Verbose = false;
            Assert.Equal(6, CliRunner.Run(() => throw new InvalidOperationException("boom\nsecond line")));
            Assert.Equal("dsd: error: internal error: InvalidOperationException: boom (this is a bug in dsd: please report it with the command you ran; --verbose shows the stack trace)",
                err.ToString().TrimEnd());
            err.GetStringBuilder().Clear();
            CliRunner.Verbose = true;
            Assert.Equal(6, CliRunner.Run(() => throw new InvalidOperationException("boom")));
            Assert.Contains("   at ", err.ToString());
        }
        finally
        {
            CliRunner.Verbose = false;
            Console.SetError(oldErr);
        }
    }

    string SrModel()
    {
        manual_seed(7);
        using var net = new XSrResNet(1);
        var path = Path.Combine(dir, "g.safetensors");
        NetworkWeights.Save(net, path);
        return path;
    }

    [Fact]
    public void Restore_processes_every_image_reports_the_bad_ones_and_exits_2()
    {
        var model = SrModel();
        var input = Path.Combine(dir, "in");
        Directory.CreateDirectory(input);
        File.WriteAllBytes(Path.Combine(input, "a-empty.png"), []);
        Image(input, "b.png", 1, 8);
        Directory.CreateDirectory(Path.Combine(input, "c.png"));
        Image(input, "d.png", 2, 8);
        var output = Path.Combine(dir, "out");

        var (code, _, stderr) = CliHarness.Run("restore", "sr", "--model", model, "--in", input, "--out", output);
        Assert.True(code == 2, stderr);
        AssertNoStackTrace(stderr);
        Assert.Contains($"{Path.Combine(input, "a-empty.png")}: empty file", stderr);
        Assert.Contains($"{Path.Combine(input, "c.png")}: is a directory", stderr);
        Assert.Equal(["b.png", "d.png"], Directory.GetFiles(output).Select(Path.GetFileName).Order());
        Assert.Contains("wrote 2 images", stderr);

        var strictOut = Path.Combine(dir, "strict");
        (code, _, stderr) = CliHarness.Run("restore", "sr", "--model", model, "--in", input, "--out", strictOut, "--strict");
        Assert.Equal(2, code);
        Assert.False(Directory.Exists(strictOut) && Directory.GetFiles(strictOut).Length > 0, "--strict went on after the first bad image");
    }

    [Fact]
    public void Restore_refuses_an_out_folder_that_is_a_link_to_the_input_folder()
    {
        var model = SrModel();
        var input = Path.Combine(dir, "photos");
        var original = File.ReadAllBytes(Image(input, "a.png", 1, 8));
        var link = Path.Combine(dir, "out-link");
        Directory.CreateSymbolicLink(link, input);
        var (code, _, stderr) = CliHarness.Run("restore", "sr", "--model", model, "--in", input, "--out", link);
        Assert.Equal(2, code);
        Assert.Contains("would overwrite the input image", stderr);
        Assert.Equal(original, File.ReadAllBytes(Path.Combine(input, "a.png")));
        // A link to the input file itself, inside another folder, is caught too.
        var other = Path.Combine(dir, "other");
        Directory.CreateDirectory(other);
        File.CreateSymbolicLink(Path.Combine(other, "a.png"), Path.Combine(input, "a.png"));
        (code, _, stderr) = CliHarness.Run("restore", "sr", "--model", model, "--in", input, "--out", other);
        Assert.Equal(2, code);
        Assert.Contains("would overwrite the input image", stderr);
    }

    [Fact]
    public void Fingerprint_of_a_folder_writes_the_good_images_and_reports_the_bad()
    {
        var input = Path.Combine(dir, "fp");
        Image(input, "a.png", 1, 32);
        File.WriteAllBytes(Path.Combine(input, "b.png"), [1, 2, 3]);
        Image(input, "c.png", 2, 32);
        var output = Path.Combine(dir, "fp-out");
        var (code, stdout, stderr) = CliHarness.Run("fingerprint", input, "--out", output, "--vgg-weights", CliHarness.GoldenWeights, "--format", "json");
        Assert.True(code == 2, stderr);
        Assert.Contains($"{Path.Combine(input, "b.png")}: not a valid image", stderr); // three bytes that start like no image format
        Assert.Equal(["a.safetensors", "c.safetensors"], Directory.GetFiles(output).Select(Path.GetFileName).Order());
        Assert.Equal(2, System.Text.Json.JsonDocument.Parse(stdout).RootElement.GetArrayLength());
    }

    [Fact]
    public void Training_folders_skip_and_report_bad_files_when_asked_and_throw_otherwise()
    {
        var data = Path.Combine(dir, "train");
        Image(data, "a.png", 1, 48);
        File.WriteAllBytes(Path.Combine(data, "b.png"), [1, 2, 3]);
        Image(data, "c.png", 2, 48);
        var failed = new List<string>();
        using (var images = TrainingImages.Load([data], 16, failed: failed))
            Assert.Equal(2, images.Count);
        Assert.Equal([$"{Path.Combine(data, "b.png")}: not a valid image (corrupt or unknown format)"], failed);
        Assert.Throws<DsdException>(() => TrainingImages.Load([data], 16));

        failed.Clear();
        var pairs = TrainingPairs.Find(data, RestorationTask.SuperResolution, failed);
        Assert.Equal(["a", "c"], pairs.Select(p => p.Name));
        Assert.Single(failed);
        Assert.Contains("b.png", Assert.Throws<DsdException>(() => TrainingPairs.Find(data, RestorationTask.SuperResolution)).Message);
    }
}
