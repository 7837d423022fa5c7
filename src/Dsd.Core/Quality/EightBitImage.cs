using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// An RGB image as the 8-bit values NIQE and BRISQUE are defined on: a tensor [1,3,H,W] in [0,1] (what
/// <see cref="Imaging.ImageIo.Load"/> gives, byte/255) rounded back to bytes, so a file's pixels come back exactly.
/// </summary>
internal sealed class EightBitImage
{
    public required int Height { get; init; }

    public required int Width { get; init; }

    /// <summary>Channel planes, row-major.</summary>
    public required byte[] R { get; init; }

    /// <inheritdoc cref="R"/>
    public required byte[] G { get; init; }

    /// <inheritdoc cref="R"/>
    public required byte[] B { get; init; }

    /// <summary>Rounds [1,3,H,W] values in [0,1] to bytes (values outside are clamped).</summary>
    /// <exception cref="DsdException">Not one RGB image (InvalidInput); NaN pixels (Numerical).</exception>
    public static EightBitImage From(Tensor image, string metric)
    {
        if (image.dim() != 4 || image.shape[0] != 1 || image.shape[1] != 3)
            throw new DsdException(DsdErrorKind.InvalidInput, $"{metric} expects one RGB image [1,3,H,W], got [{string.Join(",", image.shape)}]");
        var (h, w) = ((int)image.shape[2], (int)image.shape[3]);
        float[] values;
        using (var cpu = image.detach().to(ScalarType.Float32, CPU).contiguous()) values = cpu.data<float>().ToArray();
        var planes = new byte[3][];
        for (var c = 0; c < 3; c++)
        {
            var plane = planes[c] = new byte[h * w];
            var offset = c * h * w;
            for (var i = 0; i < plane.Length; i++)
            {
                var v = values[offset + i];
                if (float.IsNaN(v)) throw new DsdException(DsdErrorKind.Numerical, $"{metric}: the image has NaN pixels");
                plane[i] = (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
            }
        }
        return new EightBitImage { Height = h, Width = w, R = planes[0], G = planes[1], B = planes[2] };
    }
}
