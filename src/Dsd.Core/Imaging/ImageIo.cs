using Dsd.Serialization;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Imaging;

/// <summary>
/// Reads PNG, JPEG and BMP files into float32 tensors [1,3,H,W] with values byte/255, and writes PNG.
/// Decoding is exact for 8-bit images: pixels are decoded unpremultiplied, without colour management
/// (ICC profiles and gamma chunks are ignored) and without applying EXIF orientation — as PIL does, which
/// the reference code uses.
/// </summary>
public static class ImageIo
{
    static readonly string[] SupportedExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>The extensions accepted by <see cref="Load"/> (lower case, with the dot).</summary>
    public static IReadOnlyList<string> Extensions => SupportedExtensions;

    /// <summary>Whether the file's extension is one we load (PNG, JPEG, BMP; case-insensitive). For folder scans.</summary>
    public static bool IsSupported(string path) =>
        SupportedExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Largest image (width × height) <see cref="Load"/> decodes; null: what the memory budget allows at 32 bytes per
    /// pixel (8-bit RGBA buffer, byte and float32 tensors), and never more than the 8-bit RGBA buffer's 2³¹ bytes.
    /// </summary>
    public static long? MaxPixels { get; set; }

    static long PixelLimit => Math.Min(MaxPixels ?? MemoryBudget.Default.Bytes / 32, int.MaxValue / 4);

    /// <summary>Reads an image's dimensions from its header without decoding the pixels.</summary>
    /// <exception cref="DsdException">Missing, empty, unreadable, corrupt or unsupported file.</exception>
    public static ImageSize ReadSize(string path)
    {
        using var codec = Open(path);
        return new ImageSize(codec.Info.Width, codec.Info.Height);
    }

    /// <summary>
    /// Loads an RGB image as float32 [1,3,H,W] in [0,1] (byte/255) on <paramref name="device"/> (CPU by
    /// default). Grey images become three equal channels; an alpha channel is dropped without
    /// premultiplying, so colour values under transparent pixels survive.
    /// </summary>
    /// <exception cref="DsdException">Missing, empty, truncated, corrupt or unsupported file; the message names it.</exception>
    public static Tensor Load(string path, Device? device = null)
    {
        byte[] rgba;
        int width, height;
        using (var codec = Open(path))
        {
            (width, height) = (codec.Info.Width, codec.Info.Height);
            if ((long)width * height > PixelLimit)
                throw Invalid(path, $"{width}×{height} ({width * (double)height / 1e6:F0} MP) is above the {PixelLimit / 1e6:F0} MP this run may decode "
                    + "(--max-pixels, or --max-memory: 32 bytes per pixel); downscale or split it first");
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            rgba = new byte[info.BytesSize];
            var result = codec.GetPixels(info, rgba);
            // Skia fills undecoded rows of a truncated file and reports IncompleteInput: treat it as an error.
            if (result != SKCodecResult.Success)
                throw Invalid(path, result == SKCodecResult.IncompleteInput
                    ? "truncated image (incomplete data)"
                    : $"corrupt image ({DescribeResult(result)})");
        }

        using var scope = NewDisposeScope();
        var bytes = torch.tensor(rgba, new long[] { height, width, 4 });
        var target = device ?? CPU;
        var image = bytes.narrow(2, 0, 3).permute(2, 0, 1).unsqueeze(0)
            .to(target).to_type(ScalarType.Float32).DivInPlace(255);
        return image.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Writes an RGB image [1,3,H,W] or [3,H,W] (any device, any floating dtype) as an 8-bit PNG: values are
    /// clamped to [0,1] and rounded to the nearest of 0..255. The file is replaced atomically.
    /// </summary>
    /// <exception cref="DsdException">Wrong shape (InvalidInput), NaN values (Numerical), or the file cannot be written (Io).</exception>
    public static void SavePng(Tensor image, string path)
    {
        var shape = image.shape;
        var ok = (image.dim() == 4 && shape[0] == 1 && shape[1] == 3) || (image.dim() == 3 && shape[0] == 3);
        if (!ok || shape[^1] < 1 || shape[^2] < 1)
            throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: cannot save an image of shape [{string.Join(',', shape)}]; expected [1,3,H,W] or [3,H,W]");
        var height = (int)shape[^2];
        var width = (int)shape[^1];

        byte[] rgba;
        using (var scope = NewDisposeScope())
        {
            var chw = image.detach().reshape(3, height, width).to(CPU).to_type(ScalarType.Float32);
            if (chw.isnan().any().item<bool>())
                throw new DsdException(DsdErrorKind.Numerical, $"{path}: cannot save an image containing NaN values");
            var rgb = chw.clone().ClampInPlace(0, 1).MulInPlace(255).round_().to_type(ScalarType.Byte).permute(1, 2, 0);
            var alpha = full(new long[] { height, width, 1 }, (byte)255, dtype: ScalarType.Byte);
            rgba = cat([rgb, alpha], 2).contiguous().data<byte>().ToArray();
        }

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var skImage = SKImage.FromPixelCopy(info, rgba)
            ?? throw new DsdException(DsdErrorKind.Io, $"{path}: could not create a {width}×{height} image for encoding");
        using var png = skImage.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new DsdException(DsdErrorKind.Io, $"{path}: PNG encoding failed");
        try
        {
            AtomicFile.Write(path, png.SaveTo);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{path}: cannot write: {e.Message}", e);
        }
    }

    /// <summary>Opens a codec on the whole file after the checks that give each failure its own message.</summary>
    static SKCodec Open(string path)
    {
        if (!IsSupported(path))
            throw Invalid(path, $"unsupported format '{Path.GetExtension(path)}' (supported: PNG, JPEG, BMP)");
        if (!File.Exists(path))
            throw Invalid(path, Directory.Exists(path) ? "is a directory, not an image file" : "file not found");

        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{path}: cannot read: {e.Message}", e);
        }
        if (data.Length == 0) throw Invalid(path, "empty file");

        // Read the whole file first so that I/O errors and empty files get their own messages; the codec
        // owns the stream wrapper and reads from it lazily while decoding.
        var codec = SKCodec.Create(new MemoryStream(data, writable: false), out var result);
        if (codec is null)
            throw Invalid(path, result == SKCodecResult.IncompleteInput
                ? "truncated image (incomplete header)"
                : "not a valid image (corrupt or unknown format)");
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Bmp))
        {
            var format = codec.EncodedFormat;
            codec.Dispose();
            throw Invalid(path, $"unsupported format: the content is {format} (supported: PNG, JPEG, BMP)");
        }
        return codec;
    }

    static DsdException Invalid(string path, string problem) => new(DsdErrorKind.InvalidInput, $"{path}: {problem}");

    static string DescribeResult(SKCodecResult result) => result switch
    {
        SKCodecResult.ErrorInInput => "error in input",
        SKCodecResult.InvalidInput => "invalid input",
        SKCodecResult.InvalidConversion => "cannot convert to 8-bit RGBA",
        _ => result.ToString(),
    };
}
