using Dsd.Imaging;
using static TorchSharp.torch;

using Dsd.Training;

namespace Dsd.Regressor;

/// <summary>
/// Training or validation images held as 8-bit [3,H,W] tensors (a quarter of float32's memory), in a fixed order
/// (folders as given, files sorted by name) so that a seed means the same crops on every run.
/// </summary>
public sealed class TrainingImages : IDisposable
{
    readonly List<Tensor> pixels;

    TrainingImages(List<string> paths, List<Tensor> pixels)
    {
        Paths = paths;
        this.pixels = pixels;
    }

    public IReadOnlyList<string> Paths { get; }

    public int Count => pixels.Count;

    /// <summary>Image i as uint8 [3,H,W] on the CPU.</summary>
    public Tensor this[int i] => pixels[i];

    /// <summary>
    /// Loads every supported image in <paramref name="folders"/> (not recursive). Images with a side under
    /// <paramref name="minSide"/> cannot hold one crop and are skipped; their paths are reported in <paramref name="skipped"/>.
    /// An image that cannot be read (corrupt, truncated, too large, unreadable) is skipped with its one-line reason added to
    /// <paramref name="failed"/> when the caller passes that list; without it the first such image throws.
    /// </summary>
    /// <exception cref="DsdException">A folder is missing (InvalidInput), a bad image when <paramref name="failed"/> is null, or no usable image remains.</exception>
    public static TrainingImages Load(IReadOnlyList<string> folders, int minSide, List<string>? skipped = null, List<string>? failed = null)
    {
        var paths = new List<string>();
        var tensors = new List<Tensor>();
        try
        {
            foreach (var folder in folders)
            {
                foreach (var path in ImageFolder.List(folder))
                {
                    try
                    {
                        var size = ImageIo.ReadSize(path);
                        if (size.Width < minSide || size.Height < minSide)
                        {
                            skipped?.Add(path);
                            continue;
                        }
                        using var scope = NewDisposeScope();
                        var image = ImageIo.Load(path).squeeze(0).mul(255f).round_().to_type(ScalarType.Byte);
                        tensors.Add(image.DetachFromDisposeScope());
                        paths.Add(path);
                    }
                    catch (DsdException e) when (failed is not null && e.Kind == DsdErrorKind.InvalidInput)
                    {
                        failed.Add(e.Message);
                    }
                }
            }
        }
        catch
        {
            foreach (var t in tensors) t.Dispose();
            throw;
        }
        if (tensors.Count == 0)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"{string.Join(", ", folders)}: no image of at least {minSide}×{minSide} pixels (PNG, JPEG or BMP)");
        return new TrainingImages(paths, tensors);
    }

    public void Dispose()
    {
        foreach (var t in pixels) t.Dispose();
        pixels.Clear();
    }
}
