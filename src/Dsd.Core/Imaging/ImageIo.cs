using Dsd.Serialization;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Imaging;

/// <summary>
/// Reads PNG, JPEG, BMP and WebP files into float32 tensors [1,3,H,W] with values byte/255, and writes PNG.
/// Decoding is exact for 8-bit images: pixels are decoded unpremultiplied, without colour management
/// (ICC profiles and gamma chunks are ignored) and without applying EXIF orientation — as PIL does, which
/// the reference code uses. Every file is treated as hostile: its header is checked against
/// <see cref="ImageLimits.MaxPixels"/> before any pixel memory is allocated, and whatever goes wrong while
/// reading or decoding it becomes one <see cref="DsdException"/> (InvalidInput) naming the file.
/// </summary>
public static class ImageIo
{
    static readonly string[] SupportedExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp"];

    static readonly SKEncodedImageFormat[] SupportedFormats =
        [SKEncodedImageFormat.Png, SKEncodedImageFormat.Jpeg, SKEncodedImageFormat.Bmp, SKEncodedImageFormat.Webp];

    const string FormatList = "PNG, JPEG, BMP, WebP";

    /// <summary>The extensions accepted by <see cref="Load"/> (lower case, with the dot).</summary>
    public static IReadOnlyList<string> Extensions => SupportedExtensions;

    /// <summary>Whether the file's extension is one we load (PNG, JPEG, BMP, WebP; case-insensitive). For folder scans.</summary>
    public static bool IsSupported(string path) =>
        SupportedExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads an image's dimensions from its header without decoding the pixels.</summary>
    /// <exception cref="DsdException">Missing, empty, unreadable, corrupt or unsupported file (InvalidInput).</exception>
    public static ImageSize ReadSize(string path) => Guard(path, () =>
    {
        CheckPath(path);
        using var stream = OpenFile(path);
        using var header = ReadHeader(path, stream);
        using var codec = Open(path, header);
        return new ImageSize(codec.Info.Width, codec.Info.Height);
    });

    /// <summary>
    /// Loads an RGB image as float32 [1,3,H,W] in [0,1] (byte/255) on <paramref name="device"/> (CPU by
    /// default). Grey images become three equal channels. Pixels that are not fully opaque are composited
    /// on white (c·a + 255·(1 − a), rounded to 8 bits), so a transparent background reads as white paper rather
    /// than as whatever colour values happen to lie under it.
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="device">Where the tensor goes (CPU when null).</param>
    /// <param name="maxPixels">Largest width × height accepted; null takes <see cref="ImageLimits.MaxPixels"/>.</param>
    /// <exception cref="DsdException">Missing, empty, unreadable, truncated, corrupt, too large or unsupported file; the message names it.</exception>
    public static Tensor Load(string path, Device? device = null, long? maxPixels = null)
    {
        var limit = maxPixels ?? ImageLimits.MaxPixels;
        var (rgba, width, height, hasAlpha) = Guard(path, () => Decode(path, limit));
        using var scope = NewDisposeScope();
        // Bytes travel to the device, a quarter of the float32 traffic.
        var bytes = torch.tensor(rgba, new long[] { height, width, 4 }).to(device ?? CPU);
        var rgb = bytes.narrow(2, 0, 3).to_type(ScalarType.Float32);
        if (hasAlpha)
        {
            var alpha = bytes.narrow(2, 3, 1).to_type(ScalarType.Float32).DivInPlace(255);
            rgb = rgb.mul_(alpha).add_(alpha.neg().add_(1).mul_(255)).round_();
        }
        var image = rgb.permute(2, 0, 1).unsqueeze(0).DivInPlace(255);
        return image.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Decodes to RGBA bytes after every check that can be made from the header alone.</summary>
    static (byte[] Rgba, int Width, int Height, bool HasAlpha) Decode(string path, long maxPixels)
    {
        CheckPath(path);
        SKData data;
        using (var stream = OpenFile(path))
        {
            // The header first: the pixel limit and the file's size are judged before the rest of the file is read.
            using (var header = ReadHeader(path, stream))
            using (var probe = Open(path, header))
            {
                var (w, h) = (probe.Info.Width, probe.Info.Height);
                var declared = (long)w * h;
                if (declared > maxPixels)
                    throw Invalid(path, $"{w}×{h} pixels ({ImageLimits.Describe(declared)}) exceeds the limit of {ImageLimits.Describe(maxPixels)} (raise it with --max-pixels)");
                var plausible = MaxBytesPerPixel * declared + MetadataAllowance;
                if (stream.Length > plausible)
                    throw Invalid(path, $"file of {stream.Length} bytes is larger than a {w}×{h} image can be (at most {plausible} bytes); not reading it");
            }
            data = ReadAll(path, stream);
        }
        using var owned = data;
        using var codec = Open(path, data);
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && !JpegMarkers.HasEndOfImage(data.AsSpan()))
            throw Invalid(path, "truncated image (the JPEG data ends before its end-of-image marker)");
        if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && JpegMarkers.MinimumCodedBytes(data.AsSpan()) is var least && data.Size < least)
            throw Invalid(path, $"truncated image (the JPEG data ends early: {data.Size} bytes, where a {width}×{height} JPEG codes at least {least})");

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize64];
        var result = codec.GetPixels(info, rgba);
        // Skia fills undecoded rows of a truncated file and reports IncompleteInput: treat it as an error.
        if (result != SKCodecResult.Success)
            throw Invalid(path, result == SKCodecResult.IncompleteInput
                ? "truncated image (incomplete data)"
                : $"corrupt image ({DescribeResult(result)})");
        var hasAlpha = codec.Info.AlphaType != SKAlphaType.Opaque && AnyTransparent(rgba);
        return (rgba, width, height, hasAlpha);
    }

    static bool AnyTransparent(byte[] rgba)
    {
        for (var i = 3; i < rgba.Length; i += 4)
            if (rgba[i] != 255) return true;
        return false;
    }

    /// <summary>
    /// Writes an RGB image [1,3,H,W] or [3,H,W] (any device, any floating dtype) as an 8-bit PNG: values are
    /// clamped to [0,1] and rounded to the nearest of 0..255. The file is replaced atomically.
    /// </summary>
    /// <exception cref="DsdException">Wrong shape (InvalidInput), NaN values (Numerical), or the file cannot be written (Io).</exception>
    public static void SavePng(Tensor image, string path)
    {
        var shape = image.shape;
        var ok = (image.dim() == 4 && shape[0] == 1 && shape[1] == 3) || (image.dim() == 3 && shape[0] == 3);
        if (!ok || shape[^1] < 1 || shape[^2] < 1)
            throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: cannot save an image of shape [{string.Join(',', shape)}]; expected [1,3,H,W] or [3,H,W]");
        var height = (int)shape[^2];
        var width = (int)shape[^1];

        using (var scope = NewDisposeScope())
        {
            if (image.detach().isnan().any().item<bool>())
                throw new DsdException(DsdErrorKind.Numerical, $"{path}: cannot save an image containing NaN values");
        }
        using var skImage = ToSkImage(image)
            ?? throw new DsdException(DsdErrorKind.Io, $"{path}: could not create a {width}×{height} image for encoding");
        using var png = skImage.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new DsdException(DsdErrorKind.Io, $"{path}: PNG encoding failed");
        try
        {
            AtomicFile.Write(path, png.SaveTo);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{path}: cannot write: {e.Message}", e);
        }
    }

    /// <summary>
    /// An opaque 8-bit Skia image of an RGB image [1,3,H,W] or [3,H,W] (any device, any floating dtype): values clamped
    /// to [0,1] and rounded to the nearest of 0..255. Null when Skia cannot allocate it.
    /// </summary>
    internal static SKImage? ToSkImage(Tensor image)
    {
        var (height, width) = ((int)image.shape[^2], (int)image.shape[^1]);
        byte[] rgba;
        using (var scope = NewDisposeScope())
        {
            var chw = image.detach().reshape(3, height, width).to(CPU).to_type(ScalarType.Float32);
            var rgb = chw.clone().ClampInPlace(0, 1).MulInPlace(255).round_().to_type(ScalarType.Byte).permute(1, 2, 0);
            var alpha = full(new long[] { height, width, 1 }, (byte)255, dtype: ScalarType.Byte);
            rgba = cat([rgb, alpha], 2).contiguous().data<byte>().ToArray();
        }
        return SKImage.FromPixelCopy(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba);
    }

    /// <summary>
    /// Runs <paramref name="body"/> so that nothing but a <see cref="DsdException"/> naming the file leaves it: a decoder
    /// may throw anything on hostile bytes (an overflow in a size computation, an allocation failure, an index error).
    /// </summary>
    static T Guard<T>(string path, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is not (DsdException or OperationCanceledException))
        {
            throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: cannot be decoded ({e.GetType().Name}: {e.Message})", e);
        }
    }

    /// <summary>Bytes per pixel no supported encoding exceeds (16-bit RGBA PNG stored uncompressed is 8, plus filter bytes).</summary>
    const long MaxBytesPerPixel = 16;

    /// <summary>Room for metadata (ICC profiles, EXIF, text chunks) on top of the pixels.</summary>
    const long MetadataAllowance = 64L << 20;

    /// <summary>The first read; the header of every supported format fits unless large metadata precedes it.</summary>
    const int HeaderProbe = 64 << 10;

    /// <summary>The most read while looking for a header (metadata segments before it included).</summary>
    const int HeaderLimit = 16 << 20;

    /// <summary>The checks that give each unusable path its own message, before the file is opened.</summary>
    static void CheckPath(string path)
    {
        if (!IsSupported(path))
            throw Invalid(path, $"unsupported format '{Path.GetExtension(path)}' (supported: {FormatList})");
        if (Directory.Exists(path)) throw Invalid(path, "is a directory, not an image file");
        string? link;
        try { link = new FileInfo(path).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Invalid(path, $"cannot read: {e.Message}"); }
        if (link is not null)
        {
            FileSystemInfo? target;
            try { target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true); }
            catch (IOException) { throw Invalid(path, $"symbolic link to {link} loops back on itself"); }
            if (target is null || !target.Exists)
                throw Invalid(path, $"symbolic link to {link} leads nowhere (missing target)");
        }
        // A named pipe would block the open until a writer comes; a device never ends.
        InputFile.RequireRegular(path, DsdErrorKind.InvalidInput);
    }

    static FileStream OpenFile(string path)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            if (stream.Length != 0) return stream;
            stream.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, $"cannot read: {e.Message}");
        }
        throw Invalid(path, "empty file");
    }

    /// <summary>The start of the file, long enough for the decoder to read the header (or the whole file when shorter).</summary>
    static SKData ReadHeader(string path, FileStream stream)
    {
        for (var size = (int)Math.Min(stream.Length, HeaderProbe); ; size = (int)Math.Min(stream.Length, Math.Min((long)size * 16, HeaderLimit)))
        {
            var bytes = new byte[size];
            try
            {
                stream.Position = 0;
                stream.ReadExactly(bytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Invalid(path, $"cannot read: {e.Message}");
            }
            var data = SKData.CreateCopy(bytes);
            using (var codec = SKCodec.Create(new SKMemoryStream(data), out _))
                if (codec is not null || size == stream.Length || size == HeaderLimit)
                    return data;
            data.Dispose();
        }
    }

    /// <summary>
    /// The whole file as native Skia data, read straight into Skia's buffer (one copy of the file in memory). Skia reads it
    /// in native code: a managed stream would run .NET callbacks inside the decoder, where an exception aborts the process.
    /// </summary>
    static SKData ReadAll(string path, FileStream stream)
    {
        // No image we accept needs more than 2 GB of file (the plausible size above is smaller still).
        if (stream.Length > Array.MaxLength) throw Invalid(path, $"file of {stream.Length} bytes is too large to be an image we read");
        var data = SKData.Create(stream.Length);
        try
        {
            var chunk = new byte[1 << 20];
            stream.Position = 0;
            for (long done = 0; done < stream.Length;)
            {
                var n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, stream.Length - done));
                if (n == 0) throw Invalid(path, "truncated image (the file shrank while it was read)");
                System.Runtime.InteropServices.Marshal.Copy(chunk, 0, data.Data + (nint)done, n);
                done += n;
            }
            return data;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            data.Dispose();
            throw Invalid(path, $"cannot read: {e.Message}");
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>A codec for a supported format whose header declares a usable size.</summary>
    static SKCodec Open(string path, SKData data)
    {
        // SKMemoryStream is native: no .NET callbacks run inside the decoder.
        var codec = SKCodec.Create(new SKMemoryStream(data), out var result);
        if (codec is null)
            throw Invalid(path, result == SKCodecResult.IncompleteInput && ImageSignature.StartsLikeImage(data.AsSpan())
                ? "truncated image (incomplete header)"
                : "not a valid image (corrupt or unknown format)");
        var format = codec.EncodedFormat;
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (!SupportedFormats.Contains(format))
        {
            codec.Dispose();
            throw Invalid(path, $"unsupported format: the content is {format} (supported: {FormatList})");
        }
        if (width < 1 || height < 1)
        {
            codec.Dispose();
            throw Invalid(path, $"the header declares {width}×{height} pixels");
        }
        return codec;
    }

    static DsdException Invalid(string path, string problem) => new(DsdErrorKind.InvalidInput, $"{path}: {problem}");

    static string DescribeResult(SKCodecResult result) => result switch
    {
        SKCodecResult.ErrorInInput => "error in input",
        SKCodecResult.InvalidInput => "invalid input",
        SKCodecResult.InvalidConversion => "cannot convert to 8-bit RGBA",
        _ => result.ToString(),
    };
}
