using SkiaSharp;
using Dsd.Imaging;
using static TorchSharp.torch;

namespace Dsd.Bench;

/// <summary>
/// The sample images under <c>samples/</c> that README's first command scores: one CC0 photo and distorted copies of it
/// at two strengths each (Gaussian blur, additive Gaussian noise, JPEG), made deterministically from the photo.
/// </summary>
internal static class SampleImages
{
    public static void Make(string photo, string folder)
    {
        Directory.CreateDirectory(folder);
        using var scope = NewDisposeScope();
        var x = ImageIo.Load(photo);
        foreach (var (sigma, name) in new[] { (1.0, "blur-1"), (2.5, "blur-2") })
            ImageIo.SavePng(SyntheticDistortion.Blur(x, sigma), Path.Combine(folder, name + ".png"));
        var generator = new Generator(seed: 0);
        foreach (var (sigma, name) in new[] { (5.0, "noise-1"), (15.0, "noise-2") })
            ImageIo.SavePng(x + randn(x.shape, generator: generator) * (sigma / 255), Path.Combine(folder, name + ".png"));
        foreach (var (quality, name) in new[] { (40, "jpeg-1"), (10, "jpeg-2") })
        {
            using var bitmap = SKBitmap.Decode(photo);
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
            File.WriteAllBytes(Path.Combine(folder, name + ".jpg"), data.ToArray());
        }
    }
}
