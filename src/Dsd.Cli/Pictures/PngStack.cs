using SkiaSharp;

namespace Dsd.Cli.Pictures;

/// <summary>Puts PNG panels under one another on a white page: several plots as one picture file.</summary>
internal static class PngStack
{
    public static byte[] Vertical(IReadOnlyList<byte[]> pngs)
    {
        var images = pngs.Select(p => SKImage.FromEncodedData(p) ?? throw new InvalidOperationException("a rendered panel is not a valid PNG")).ToList();
        try
        {
            var width = images.Max(i => i.Width);
            var height = images.Sum(i => i.Height);
            using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
            var canvas = surface.Canvas;
            canvas.Clear(SKColors.White);
            var y = 0;
            foreach (var image in images)
            {
                canvas.DrawImage(image, (width - image.Width) / 2f, y, SKSamplingOptions.Default);
                y += image.Height;
            }
            using var snapshot = surface.Snapshot();
            using var data = snapshot.Encode(SKEncodedImageFormat.Png, 100);
            return data.ToArray();
        }
        finally
        {
            foreach (var i in images) i.Dispose();
        }
    }
}
