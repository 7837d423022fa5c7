using SkiaSharp;

namespace Dsd.Cli.Pictures;

/// <summary>An image file shrunk to fit a square (default 256 px) and encoded as JPEG: small enough to inline in HTML.</summary>
internal static class Thumbnail
{
    /// <returns>JPEG bytes, or null when the file cannot be decoded.</returns>
    public static byte[]? Jpeg(string path, int maxSide = 256, int quality = 85)
    {
        using var source = File.Exists(path) ? SKBitmap.Decode(path) : null;
        if (source is null) return null;
        var scale = Math.Min(1.0, (double)maxSide / Math.Max(source.Width, source.Height));
        var info = new SKImageInfo(Math.Max(1, (int)Math.Round(source.Width * scale)), Math.Max(1, (int)Math.Round(source.Height * scale)),
            SKColorType.Rgba8888, SKAlphaType.Premul);
        using var resized = source.Resize(info, new SKSamplingOptions(SKCubicResampler.Mitchell));
        if (resized is null) return null;
        // JPEG has no alpha: draw on white first so transparent areas do not turn black.
        using var surface = SKSurface.Create(info);
        surface.Canvas.Clear(SKColors.White);
        surface.Canvas.DrawBitmap(resized, 0, 0, SKSamplingOptions.Default);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    /// <summary>A rendered picture (PNG) as JPEG: the noisy heatmaps are several times smaller so.</summary>
    public static byte[] Reencode(byte[] png, int quality = 85)
    {
        using var image = SKImage.FromEncodedData(png) ?? throw new InvalidOperationException("a rendered picture is not a valid PNG");
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }
}
