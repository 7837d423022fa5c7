using SkiaSharp;

namespace Dsd.Tests.Pictures;

/// <summary>Reads a rendered picture's pixels, so tests can check what was drawn rather than that a file exists.</summary>
public sealed class PngProbe
{
    readonly SKColor[] pixels;

    public PngProbe(byte[] encoded)
    {
        using var bitmap = SKBitmap.Decode(encoded) ?? throw new InvalidOperationException("not a decodable image");
        Width = bitmap.Width;
        Height = bitmap.Height;
        pixels = bitmap.Pixels;
    }

    public static PngProbe Load(string path) => new(File.ReadAllBytes(path));

    public int Width { get; }

    public int Height { get; }

    public SKColor this[int x, int y] => pixels[y * Width + x];

    /// <summary>Whether a pixel is the given colour within a small tolerance (anti-aliased edges are not).</summary>
    public static bool Near(SKColor a, SKColor b, int tolerance = 6) =>
        Math.Abs(a.Red - b.Red) <= tolerance && Math.Abs(a.Green - b.Green) <= tolerance && Math.Abs(a.Blue - b.Blue) <= tolerance;

    /// <summary>Runs of consecutive pixels along row y that satisfy <paramref name="match"/>: (start x, length).</summary>
    public List<(int Start, int Length)> RunsInRow(int y, Func<SKColor, bool> match, int minLength = 3)
    {
        var runs = new List<(int, int)>();
        var start = -1;
        for (var x = 0; x <= Width; x++)
        {
            var hit = x < Width && match(this[x, y]);
            if (hit && start < 0) start = x;
            if (!hit && start >= 0)
            {
                if (x - start >= minLength) runs.Add((start, x - start));
                start = -1;
            }
        }
        return runs;
    }

    /// <summary>How many pixels upward from row y, in column x, satisfy <paramref name="match"/> without a break.</summary>
    public int RunUp(int x, int y, Func<SKColor, bool> match)
    {
        var n = 0;
        while (y - n >= 0 && match(this[x, y - n])) n++;
        return n;
    }

    /// <summary>The lowest row holding a pixel that satisfies <paramref name="match"/>, or -1.</summary>
    public int LowestRow(Func<SKColor, bool> match)
    {
        for (var y = Height - 1; y >= 0; y--)
            for (var x = 0; x < Width; x++)
                if (match(this[x, y])) return y;
        return -1;
    }

    /// <summary>Standard deviation of a channel function over a rectangle.</summary>
    public double StdDev(int x0, int y0, int width, int height, Func<SKColor, double> value)
    {
        double sum = 0, sq = 0;
        var n = 0;
        for (var y = y0; y < y0 + height; y++)
            for (var x = x0; x < x0 + width; x++)
            {
                var v = value(this[x, y]);
                sum += v;
                sq += v * v;
                n++;
            }
        var mean = sum / n;
        return Math.Sqrt(Math.Max(0, sq / n - mean * mean));
    }

    /// <summary>Share of pixels in a rectangle that are not (near) white.</summary>
    public double InkFraction(int x0, int y0, int width, int height)
    {
        var ink = 0;
        for (var y = y0; y < y0 + height; y++)
            for (var x = x0; x < x0 + width; x++)
                if (!Near(this[x, y], SKColors.White, 12)) ink++;
        return (double)ink / (width * height);
    }

    /// <summary>Distinct colours in a rectangle.</summary>
    public int DistinctColours(int x0, int y0, int width, int height)
    {
        var set = new HashSet<uint>();
        for (var y = y0; y < y0 + height; y++)
            for (var x = x0; x < x0 + width; x++)
                set.Add((uint)this[x, y]);
        return set.Count;
    }
}
