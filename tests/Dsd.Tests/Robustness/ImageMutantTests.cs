using System.Buffers.Binary;
using Dsd.Cli;
using Dsd.Imaging;
using Dsd.Quality;
using Dsd.Scoring;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Dsd.Tests.Robustness;

/// <summary>
/// Hundreds of corrupted PNG, JPEG, BMP and WebP files through the real loader: each one either loads as a valid image or
/// fails with one InvalidInput <see cref="DsdException"/> naming the file (exit code 2); nothing else may escape, and
/// nothing may abort the process (which would take the test host down with it).
/// </summary>
public sealed class ImageMutantTests(ITestOutputHelper output) : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("dsd-mutants-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>A 40×32 image with smooth gradients and some texture, so the codecs produce realistic streams.</summary>
    static byte[] Pixels(int width, int height, int seed)
    {
        var random = new Random(seed);
        var rgba = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var i = (y * width + x) * 4;
                rgba[i] = (byte)(x * 6 + random.Next(16));
                rgba[i + 1] = (byte)(y * 7 + random.Next(16));
                rgba[i + 2] = (byte)((x + y) * 3);
                rgba[i + 3] = 255;
            }
        return rgba;
    }

    static byte[] Encode(SKEncodedImageFormat format, int quality = 90)
    {
        using var image = SKImage.FromPixelCopy(new SKImageInfo(40, 32, SKColorType.Rgba8888, SKAlphaType.Opaque), Pixels(40, 32, 7));
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A 24-bit bottom-up BMP (Skia cannot write BMP).</summary>
    static byte[] Bmp()
    {
        const int w = 40, h = 32, stride = w * 3;
        var bmp = new byte[54 + stride * h];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), w);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), h);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(34), stride * h);
        new Random(3).NextBytes(bmp.AsSpan(54));
        return bmp;
    }

    static IEnumerable<(string Ext, Mutants.Mutant M)> AllMutants()
    {
        var png = Encode(SKEncodedImageFormat.Png);
        var jpeg = Encode(SKEncodedImageFormat.Jpeg);
        var webp = Encode(SKEncodedImageFormat.Webp, 80);
        var bmp = Bmp();
        // The JPEG's SOF0 segment: height and width follow its length and precision bytes.
        var sof = Enumerable.Range(2, jpeg.Length - 3).First(i => jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0);
        IEnumerable<Mutants.Mutant> pngHeader = [
            .. Mutants.Field(png, "png.width", 16, 4, true, Mutants.HostileSizes).Select(m => m with { Bytes = Mutants.FixPngCrc(m.Bytes, 8) }),
            .. Mutants.Field(png, "png.height", 20, 4, true, Mutants.HostileSizes).Select(m => m with { Bytes = Mutants.FixPngCrc(m.Bytes, 8) }),
            .. Mutants.Field(png, "png.depth", 24, 1, true, 0, 1, 7, 16, 255).Select(m => m with { Bytes = Mutants.FixPngCrc(m.Bytes, 8) }),
            .. Mutants.Field(png, "png.colour", 25, 1, true, 0, 1, 3, 4, 6, 7).Select(m => m with { Bytes = Mutants.FixPngCrc(m.Bytes, 8) }),
            .. Mutants.Field(png, "png.ihdr.length", 8, 4, true, 0, 12, 0x7fffffff),
        ];
        IEnumerable<Mutants.Mutant> bmpHeader = [
            .. Mutants.Field(bmp, "bmp.offset", 10, 4, false, 0, 14, 53, 1 << 20, 0x7fffffff, 0x80000000, 0xffffffff),
            .. Mutants.Field(bmp, "bmp.width", 18, 4, false, [.. Mutants.HostileSizes, -40]),
            .. Mutants.Field(bmp, "bmp.height", 22, 4, false, [.. Mutants.HostileSizes, -32]),
            .. Mutants.Field(bmp, "bmp.bpp", 28, 2, false, 0, 1, 4, 8, 16, 32, 64, 0xffff),
            .. Mutants.Field(bmp, "bmp.compression", 30, 4, false, 1, 2, 3, 4, 5, 0xffffffff),
            .. Mutants.Field(bmp, "bmp.infosize", 14, 4, false, 0, 12, 108, 124, 0xffffffff),
            .. Mutants.Field(bmp, "bmp.colours", 46, 4, false, 1, 256, 0x7fffffff),
        ];
        IEnumerable<Mutants.Mutant> jpegHeader = [
            .. Mutants.Field(jpeg, "jpeg.height", sof + 5, 2, true, 0, 1, 46341, 65535),
            .. Mutants.Field(jpeg, "jpeg.width", sof + 7, 2, true, 0, 1, 46341, 65535),
            .. Mutants.Field(jpeg, "jpeg.components", sof + 9, 1, true, 0, 2, 4, 255),
            .. Mutants.Field(jpeg, "jpeg.sof.length", sof + 2, 2, true, 0, 2, 0xffff),
        ];
        foreach (var (ext, source, header, flips) in new[] { (".png", png, pngHeader, 110), (".jpg", jpeg, jpegHeader, 110), (".bmp", bmp, bmpHeader, 110), (".webp", webp, [], 40) })
        {
            foreach (var m in Mutants.BitFlips(source, flips, seed: ext.Length * 1000 + flips, headerBytes: 64)) yield return (ext, m);
            foreach (var m in Mutants.Truncations(source, 25)) yield return (ext, m);
            foreach (var m in header) yield return (ext, m);
        }
    }

    [Fact]
    public void Every_corrupted_image_loads_or_fails_with_one_error_naming_the_file()
    {
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<string>();
        var total = 0;
        foreach (var (ext, m) in AllMutants())
        {
            total++;
            var path = Path.Combine(dir, $"{ext[1..]}-{m.Name}{ext}");
            File.WriteAllBytes(path, m.Bytes);
            string outcome;
            try
            {
                using var scope = NewDisposeScope();
                var image = ImageIo.Load(path, maxPixels: 1_000_000);
                var ok = image.dim() == 4 && image.shape[0] == 1 && image.shape[1] == 3
                    && image.ge(0).all().item<bool>() && image.le(1).all().item<bool>();
                outcome = ok ? "loaded" : "loaded an invalid tensor";
                if (!ok) problems.Add($"{path}: {outcome}");
            }
            catch (DsdException e)
            {
                outcome = "error: " + Category(e.Message);
                if (e.Kind != DsdErrorKind.InvalidInput || CliRunner.ExitCode(e.Kind) != 2) problems.Add($"{path}: kind {e.Kind}");
                if (!e.Message.StartsWith(path + ": ", StringComparison.Ordinal) || e.Message.Contains('\n')) problems.Add($"{path}: message '{e.Message}'");
            }
            catch (Exception e)
            {
                outcome = "UNHANDLED " + e.GetType().Name;
                problems.Add($"{path}: {e.GetType().Name}: {e.Message}");
            }
            outcomes[$"{ext} {outcome}"] = outcomes.GetValueOrDefault($"{ext} {outcome}") + 1;
            File.Delete(path);
        }
        foreach (var (k, v) in outcomes) output.WriteLine($"{v,5}  {k}");
        output.WriteLine($"{total,5}  image mutants in all");
        Assert.True(total >= 500, $"only {total} image mutants");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
        // The suite must exercise both paths, or it proves nothing.
        Assert.Contains(outcomes, kv => kv.Key.EndsWith("loaded", StringComparison.Ordinal));
        Assert.Contains(outcomes, kv => kv.Key.Contains("truncated", StringComparison.Ordinal));
        Assert.Contains(outcomes, kv => kv.Key.Contains("exceeds the limit", StringComparison.Ordinal));
    }

    /// <summary>The message without the path and numbers, so outcomes group into a small table.</summary>
    static string Category(string message)
    {
        var text = message[(message.IndexOf(": ", StringComparison.Ordinal) + 2)..];
        if (text.Contains("exceeds the limit", StringComparison.Ordinal)) return "exceeds the limit";
        var cut = text.IndexOfAny(['(', ':']);
        return (cut > 0 ? text[..cut] : text).Trim();
    }

    [Fact]
    public void Size_limit_is_checked_from_the_header_before_decoding()
    {
        // 60000×60000 declared by a 100-byte PNG: refused at once, without allocating 14 GB.
        var png = Encode(SKEncodedImageFormat.Png);
        var huge = Mutants.Field(png, "w", 16, 4, true, 60000).Single().Bytes;
        huge = Mutants.FixPngCrc(Mutants.Field(huge, "h", 20, 4, true, 60000).Single().Bytes, 8);
        var path = Path.Combine(dir, "huge.png");
        File.WriteAllBytes(path, huge);
        var before = GC.GetTotalAllocatedBytes();
        var e = Assert.Throws<DsdException>(() => ImageIo.Load(path));
        Assert.True(GC.GetTotalAllocatedBytes() - before < 10_000_000, "allocated pixel memory before refusing");
        Assert.Equal($"{path}: 60000×60000 pixels (3600 MP) exceeds the limit of 100 MP (raise it with --max-pixels)", e.Message);
        // A smaller limit refuses the real 40×32 image; the default accepts it.
        var small = Path.Combine(dir, "small.png");
        File.WriteAllBytes(small, png);
        Assert.Contains("exceeds the limit of 0.001 MP", Assert.Throws<DsdException>(() => ImageIo.Load(small, maxPixels: 1000)).Message);
        using var image = ImageIo.Load(small);
        Assert.Equal(new long[] { 1, 3, 32, 40 }, image.shape);
    }

    [Fact]
    public void Truncated_baseline_jpeg_is_an_error_not_a_grey_image()
    {
        var jpeg = Encode(SKEncodedImageFormat.Jpeg);
        var path = Path.Combine(dir, "cut.jpg");
        File.WriteAllBytes(path, jpeg[..(jpeg.Length * 3 / 4)]);
        var e = Assert.Throws<DsdException>(() => ImageIo.Load(path));
        Assert.StartsWith($"{path}: truncated image", e.Message);
    }

    [Fact]
    public void Truncated_progressive_jpeg_is_an_error()
    {
        // Skia reports success for a progressive JPEG cut short; the missing end-of-image marker gives it away.
        // Skia cannot write progressive JPEGs and none is committed (third-party images stay out of the repository):
        // use one from $DSD_PROGRESSIVE_JPEG or the copy Debian's nodejs documentation installs.
        var source = new[] { Environment.GetEnvironmentVariable("DSD_PROGRESSIVE_JPEG"), "/usr/share/doc/nodejs/full-white-stripe.jpg" }
            .FirstOrDefault(p => p is not null && File.Exists(p));
        if (source is null) { output.WriteLine("skipped: no progressive JPEG found (set DSD_PROGRESSIVE_JPEG)"); return; }
        var bytes = File.ReadAllBytes(source);
        Assert.True(IsProgressive(bytes), "the fixture should be a progressive JPEG");
        var whole = Path.Combine(dir, "whole.jpg");
        File.WriteAllBytes(whole, bytes);
        using (var image = ImageIo.Load(whole)) Assert.Equal(4, image.dim());
        foreach (var fraction in new[] { 0.3, 0.6, 0.9, 0.999 })
        {
            var path = Path.Combine(dir, $"cut{fraction}.jpg");
            File.WriteAllBytes(path, bytes[..(int)(bytes.Length * fraction)]);
            Assert.StartsWith($"{path}: truncated image", Assert.Throws<DsdException>(() => ImageIo.Load(path)).Message);
        }
    }

    static bool IsProgressive(byte[] jpeg)
    {
        for (var i = 2; i + 1 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC2) return true;
        return false;
    }

    [Fact]
    public void Directories_links_loops_and_unreadable_files_are_errors_naming_them()
    {
        var folder = Path.Combine(dir, "folder.png");
        Directory.CreateDirectory(folder);
        Assert.Equal($"{folder}: is a directory, not an image file", Assert.Throws<DsdException>(() => ImageIo.Load(folder)).Message);
        var loop = Path.Combine(dir, "loop.png");
        File.CreateSymbolicLink(loop, loop);
        Assert.Contains("loops back on itself", Assert.Throws<DsdException>(() => ImageIo.Load(loop)).Message);
        var dangling = Path.Combine(dir, "dangling.jpg");
        File.CreateSymbolicLink(dangling, Path.Combine(dir, "nowhere.jpg"));
        Assert.Contains("leads nowhere", Assert.Throws<DsdException>(() => ImageIo.Load(dangling)).Message);
        // Listing a folder keeps such entries, so each gets its own error instead of vanishing.
        Assert.Equal([dangling, folder, loop], ImageFolder.List(dir));
        // /proc/self/mem cannot be read from offset 0: an I/O error on read, like a failing disk.
        if (File.Exists("/proc/self/mem"))
        {
            var unreadable = Path.Combine(dir, "unreadable.bmp");
            File.CreateSymbolicLink(unreadable, "/proc/self/mem");
            var e = Assert.Throws<DsdException>(() => ImageIo.Load(unreadable));
            Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
            Assert.StartsWith($"{unreadable}: ", e.Message);
        }
    }

    [Fact]
    public void PairScorer_turns_corrupted_images_into_per_pair_errors_and_scores_the_rest()
    {
        var good = Path.Combine(dir, "good.png");
        File.WriteAllBytes(good, Encode(SKEncodedImageFormat.Png));
        var pairs = new List<ImagePair> { new(good, good) };
        var expectedErrors = 0;
        foreach (var (ext, m) in AllMutants().Where((_, i) => i % 9 == 0))
        {
            var path = Path.Combine(dir, $"p-{m.Name}{ext}");
            File.WriteAllBytes(path, m.Bytes);
            pairs.Add(new(path, good));
        }
        pairs.Add(new(good, good));
        using var scorer = new PairScorer([CatalogMetric.Create(MetricCatalog.Metric("psnr-rgb"), new MetricOptions())], CPU);
        var results = pairs.Select((p, i) => scorer.Score(p, i)).ToList();
        foreach (var r in results.Where(r => r.Error is not null))
        {
            expectedErrors++;
            Assert.StartsWith(r.Pair.Distorted + ": ", r.Error);
        }
        Assert.True(expectedErrors > 10, $"only {expectedErrors} mutants failed");
        Assert.True(double.IsPositiveInfinity(results[0].Scores["psnr-rgb"]));
        Assert.True(double.IsPositiveInfinity(results[^1].Scores["psnr-rgb"]), "the pair after the bad ones was not scored");
    }
}
