using Dsd.Imaging;
using static TorchSharp.torch;

namespace Dsd.Bench;

/// <summary>
/// Large test photographs for the memory/time table of README "Large images": a real photo mirrored out to the
/// wanted size (4:3) under a slow brightness ramp, so that no two tiles are identical. 8-bit PNG.
/// </summary>
internal static class LargeImages
{
    public static void Make(string source, double megapixels, string output)
    {
        using var scope = NewDisposeScope();
        var photo = ImageIo.Load(source);
        var width = (int)Math.Round(Math.Sqrt(megapixels * 1e6 * 4 / 3));
        var height = (int)Math.Round(width * 3.0 / 4);
        var (h, w) = ((int)photo.shape[2], (int)photo.shape[3]);
        var large = photo.index_select(2, MirrorIndex(height, h)).index_select(3, MirrorIndex(width, w));
        var ramp = linspace(0.8, 1.0, width).view(1, 1, 1, width);
        ImageIo.SavePng(large.mul_(ramp), output);
        Console.WriteLine($"{output}: {width}×{height} ({width * (double)height / 1e6:F1} MP)");
    }

    static Tensor MirrorIndex(int length, int period)
    {
        var index = new long[length];
        for (var i = 0; i < length; i++)
        {
            var m = i % (2 * period);
            index[i] = m < period ? m : 2 * period - 1 - m;
        }
        return tensor(index);
    }
}
