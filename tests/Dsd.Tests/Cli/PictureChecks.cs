using SkiaSharp;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>Reads written PNGs back and measures them: size, and the mean and spread of a region's pixels.</summary>
internal static class PictureChecks
{
    public static SKBitmap Load(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        return SKBitmap.Decode(path) ?? throw new Xunit.Sdk.XunitException($"{path} is not a readable PNG");
    }

    /// <summary>Mean R, G, B (0..255) over a rectangle.</summary>
    public static (double R, double G, double B) Mean(SKBitmap bitmap, SKRectI r)
    {
        double red = 0, green = 0, blue = 0;
        var n = 0;
        for (var y = r.Top; y < r.Bottom; y++)
            for (var x = r.Left; x < r.Right; x++)
            {
                var c = bitmap.GetPixel(x, y);
                (red, green, blue) = (red + c.Red, green + c.Green, blue + c.Blue);
                n++;
            }
        return (red / n, green / n, blue / n);
    }

    /// <summary>Standard deviation of the grey level over the whole picture.</summary>
    public static double GreySpread(SKBitmap bitmap)
    {
        double sum = 0, sq = 0;
        var n = bitmap.Width * bitmap.Height;
        for (var y = 0; y < bitmap.Height; y++)
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                var g = (c.Red + c.Green + c.Blue) / 3.0;
                sum += g;
                sq += g * g;
            }
        var mean = sum / n;
        return Math.Sqrt(Math.Max(0, sq / n - mean * mean));
    }

    public static List<string[]> ReadCsv(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        return File.ReadAllLines(path).Select(l => l.Split(',')).ToList();
    }

    public static double Number(string text) => text switch
    {
        "inf" => double.PositiveInfinity,
        "nan" => double.NaN,
        _ => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture),
    };
}
