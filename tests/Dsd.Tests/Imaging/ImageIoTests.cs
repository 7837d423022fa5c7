using Dsd.Imaging;
using SkiaSharp;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Imaging;

/// <summary>Loading and saving images: exact 8-bit values, formats, and one-line errors that name the file.</summary>
public sealed class ImageIoTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("dsd-imageio-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string PathOf(string name) => System.IO.Path.Combine(dir, name);

    /// <summary>Encodes raw pixels with Skia and writes them to a file in the temp folder.</summary>
    string Encode(string name, SKImageInfo info, byte[] pixels, SKEncodedImageFormat format, int quality = 100)
    {
        using var image = SKImage.FromPixelCopy(info, pixels);
        using var data = image.Encode(format, quality);
        Assert.NotNull(data);
        var path = PathOf(name);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void Png_round_trip_is_exact_for_8_bit_values()
    {
        using var scope = NewDisposeScope();
        var bytes = tensor(RandomBytes(3 * 13 * 17, 1), new long[] { 1, 3, 13, 17 });
        var image = bytes.to_type(ScalarType.Float32) / 255f;
        var path = PathOf("round.png");
        ImageIo.SavePng(image, path);
        var loaded = ImageIo.Load(path);
        Assert.Equal(new long[] { 1, 3, 13, 17 }, loaded.shape);
        Assert.Equal(ScalarType.Float32, loaded.dtype);
        Assert.True(Same(loaded, image), "PNG round trip changed values");
        Assert.Equal(new ImageSize(17, 13), ImageIo.ReadSize(path));
    }

    [Fact]
    public void SavePng_clamps_and_rounds_and_accepts_chw()
    {
        using var scope = NewDisposeScope();
        var image = tensor(new[] { -0.5f, 1.5f, 0.502f, 0.498f, 0f, 1f }, new long[] { 3, 1, 2 });
        var path = PathOf("clamp.png");
        ImageIo.SavePng(image, path);
        var loaded = ImageIo.Load(path).flatten();
        var expected = tensor(new[] { 0f, 255f, 128f, 127f, 0f, 255f }) / 255f;
        Assert.True(Same(loaded, expected), $"got {string.Join(", ", loaded.data<float>().ToArray())}");
    }

    [Fact]
    public void SavePng_rejects_wrong_shape_and_nan()
    {
        var e = Assert.Throws<DsdException>(() => ImageIo.SavePng(zeros(1, 1, 4, 4), PathOf("grey.png")));
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
        Assert.Contains("grey.png", e.Message);
        var n = Assert.Throws<DsdException>(() => ImageIo.SavePng(full(new long[] { 3, 2, 2 }, float.NaN), PathOf("nan.png")));
        Assert.Equal(DsdErrorKind.Numerical, n.Kind);
        Assert.False(File.Exists(PathOf("nan.png")));
    }

    [Fact]
    public void Golden_ref_crop_png_loads_equal_to_golden_tensor()
    {
        var loaded = ImageIo.Load(System.IO.Path.Combine(TestPaths.GoldenRandom, "ref_crop.png"));
        Close.Tensor(GoldenSet.Random["images/ref_crop"], loaded, rtol: 0, atol: 1e-7, what: "ref_crop.png");
        var dist = ImageIo.Load(System.IO.Path.Combine(TestPaths.GoldenRandom, "dist_crop.png"));
        Close.Tensor(GoldenSet.Random["images/dist_crop"], dist, rtol: 0, atol: 1e-7, what: "dist_crop.png");
    }

    [Fact]
    public void Jpeg_loads_close_to_its_source()
    {
        using var scope = NewDisposeScope();
        // A smooth gradient survives JPEG at quality 100 within a few levels.
        const int w = 24, h = 16;
        var rgba = new byte[w * h * 4];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var i = (y * w + x) * 4;
                (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]) = ((byte)(x * 10), (byte)(y * 15), (byte)128, (byte)255);
            }
        var path = Encode("grad.jpg", new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba, SKEncodedImageFormat.Jpeg);
        var loaded = ImageIo.Load(path);
        Assert.Equal(new long[] { 1, 3, h, w }, loaded.shape);
        var source = tensor(rgba, new long[] { h, w, 4 }).narrow(2, 0, 3).permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Float32) / 255f;
        var err = (loaded - source).abs().mean().item<float>();
        Assert.True(err < 3f / 255, $"mean |JPEG − source| = {err * 255:F2} levels");
    }

    [Fact]
    public void Bmp_24_bit_loads_exactly()
    {
        using var scope = NewDisposeScope();
        const int w = 5, h = 3; // width 5 → 15 bytes a row, padded to 16: exercises row padding
        var rgb = RandomBytes(w * h * 3, 7);
        var path = PathOf("hand.bmp");
        File.WriteAllBytes(path, Bmp24(w, h, rgb));
        var loaded = ImageIo.Load(path);
        var expected = tensor(rgb, new long[] { h, w, 3 }).permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Float32) / 255f;
        Assert.True(Same(loaded, expected), "BMP pixels differ");
        Assert.Equal(new ImageSize(w, h), ImageIo.ReadSize(path));
    }

    /// <summary>A minimal 24-bit bottom-up BMP (BITMAPINFOHEADER) from top-down RGB rows.</summary>
    static byte[] Bmp24(int w, int h, byte[] rgb)
    {
        var stride = (w * 3 + 3) & ~3;
        var size = 54 + stride * h;
        var bmp = new byte[size];
        void U32(int at, int v) => BitConverter.TryWriteBytes(bmp.AsSpan(at, 4), v);
        bmp[0] = (byte)'B'; bmp[1] = (byte)'M';
        U32(2, size); U32(10, 54); U32(14, 40); U32(18, w); U32(22, h);
        bmp[26] = 1; bmp[28] = 24; U32(34, stride * h);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var src = (y * w + x) * 3;
                var dst = 54 + (h - 1 - y) * stride + x * 3;
                (bmp[dst], bmp[dst + 1], bmp[dst + 2]) = (rgb[src + 2], rgb[src + 1], rgb[src]);
            }
        return bmp;
    }

    [Fact]
    public void Grey_png_gives_three_equal_channels()
    {
        using var scope = NewDisposeScope();
        const int w = 7, h = 6;
        var grey = RandomBytes(w * h, 3);
        var path = Encode("grey.png", new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque), grey, SKEncodedImageFormat.Png);
        var loaded = ImageIo.Load(path);
        var expected = (tensor(grey, new long[] { 1, 1, h, w }).to_type(ScalarType.Float32) / 255f).expand(1, 3, h, w);
        Assert.True(Same(loaded, expected), "grey PNG did not load as three equal channels of byte/255");
    }

    [Fact]
    public void Transparent_pixels_are_composited_on_white()
    {
        using var scope = NewDisposeScope();
        // Fully transparent → white; alpha 128: c·128/255 + 255·127/255, rounded (10 → 132, 20 → 137, 30 → 142); opaque unchanged.
        byte[] rgba = [200, 100, 50, 0, 10, 20, 30, 128, 255, 0, 7, 255];
        var path = Encode("alpha.png", new SKImageInfo(3, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul), rgba, SKEncodedImageFormat.Png);
        var loaded = ImageIo.Load(path);
        var expected = tensor(new byte[] { 255, 132, 255, 255, 137, 0, 255, 142, 7 }, new long[] { 1, 3, 1, 3 }).to_type(ScalarType.Float32) / 255f;
        Assert.True(Same(loaded, expected), $"got {string.Join(", ", (loaded * 255).round().data<float>().ToArray())}");
    }

    [Fact]
    public void Truncated_png_is_an_error_naming_the_file()
    {
        var full = PathOf("whole.png");
        ImageIo.SavePng(rand(1, 3, 64, 64), full);
        var bytes = File.ReadAllBytes(full);
        var path = PathOf("truncated.png");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        AssertInvalid(() => ImageIo.Load(path), "truncated.png", "truncated");
    }

    [Fact]
    public void Garbage_bytes_are_an_error_naming_the_file()
    {
        var path = PathOf("garbage.png");
        File.WriteAllBytes(path, RandomBytes(500, 9));
        AssertInvalid(() => ImageIo.Load(path), "garbage.png", "not a valid image");
        AssertInvalid(() => ImageIo.ReadSize(path), "garbage.png", "not a valid image");
    }

    [Fact]
    public void Empty_file_is_an_error_naming_the_file()
    {
        var path = PathOf("empty.jpg");
        File.WriteAllBytes(path, []);
        AssertInvalid(() => ImageIo.Load(path), "empty.jpg", "empty");
    }

    [Fact]
    public void Missing_file_is_an_error_naming_the_file() =>
        AssertInvalid(() => ImageIo.Load(PathOf("nowhere.png")), "nowhere.png", "not found");

    [Fact]
    public void Unsupported_extension_is_an_error_naming_the_file()
    {
        var path = PathOf("anim.gif");
        File.WriteAllBytes(path, "GIF89a"u8.ToArray());
        AssertInvalid(() => ImageIo.Load(path), "anim.gif", "unsupported format");
    }

    [Fact]
    public void Unsupported_content_behind_a_supported_extension_is_rejected()
    {
        // A 1×1 GIF, which Skia decodes but we do not accept.
        byte[] gif = [.. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, 255, 255, 255, 0, 0, 0, (byte)',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, (byte)'D', 1, 0, (byte)';'];
        var path = PathOf("really-gif.png");
        File.WriteAllBytes(path, gif);
        AssertInvalid(() => ImageIo.Load(path), "really-gif.png", "unsupported format");
    }

    [Fact]
    public void Lossless_webp_loads_exactly()
    {
        using var scope = NewDisposeScope();
        var rgba = RandomBytes(4 * 5 * 7, 5);
        for (var i = 3; i < rgba.Length; i += 4) rgba[i] = 255;
        var path = Encode("lossless.webp", new SKImageInfo(7, 5, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba, SKEncodedImageFormat.Webp, quality: 100);
        var loaded = ImageIo.Load(path);
        var rgb = tensor(rgba, new long[] { 5, 7, 4 }).narrow(2, 0, 3).permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Float32) / 255f;
        Assert.True(Same(loaded, rgb), "lossless WebP changed values");
    }

    [Theory]
    [InlineData("a.png", true)]
    [InlineData("B.JPG", true)]
    [InlineData("c.jpeg", true)]
    [InlineData("d.Bmp", true)]
    [InlineData("e.gif", false)]
    [InlineData("f.webp", true)]
    [InlineData("g.tif", false)]
    [InlineData("noext", false)]
    public void IsSupported_goes_by_extension(string name, bool supported) =>
        Assert.Equal(supported, ImageIo.IsSupported(name));

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static void AssertInvalid(Action act, string fileName, string problem)
    {
        var e = Assert.Throws<DsdException>(act);
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
        Assert.Contains(fileName, e.Message);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
