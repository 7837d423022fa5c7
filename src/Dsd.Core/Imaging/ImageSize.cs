namespace Dsd.Imaging;

/// <summary>Pixel dimensions of an image file, as stored (EXIF orientation is not applied).</summary>
public readonly record struct ImageSize(int Width, int Height)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Width}×{Height}";
}
