using SkiaSharp;
using static TorchSharp.torch;

namespace Dsd.Cli.Pictures;

/// <summary>Turns an RGB image tensor into a Skia bitmap (8 bits, rounded as <c>ImageIo.SavePng</c> rounds), and saves PNGs atomically.</summary>
internal static class TensorBitmap
{
    /// <summary>[1,3,H,W] or [3,H,W] in [0,1], any device → opaque RGBA bitmap.</summary>
    public static SKBitmap From(Tensor image)
    {
        var (h, w) = ((int)image.shape[^2], (int)image.shape[^1]);
        byte[] rgba;
        using (var scope = NewDisposeScope())
        {
            var rgb = image.detach().reshape(3, h, w).cpu().to_type(ScalarType.Float32)
                .clamp(0, 1).mul(255).round().to_type(ScalarType.Byte).permute(1, 2, 0);
            var alpha = full(new long[] { h, w, 1 }, (byte)255, dtype: ScalarType.Byte);
            rgba = cat([rgb, alpha], 2).contiguous().data<byte>().ToArray();
        }
        var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    /// <summary>Encodes as PNG and replaces <paramref name="path"/> atomically.</summary>
    public static void SavePng(SKBitmap bitmap, string path)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new DsdException(DsdErrorKind.Io, $"{path}: PNG encoding failed");
        try { Dsd.Serialization.AtomicFile.Write(path, png.SaveTo); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{path}: cannot write: {e.Message}", e);
        }
    }
}
