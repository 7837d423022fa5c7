using System.Buffers.Binary;
using Dsd.Serialization;
using static TorchSharp.torch;

namespace Dsd.Weights;

/// <summary>The on-disk formats a state dict can come in.</summary>
public enum StateDictFormat
{
    /// <summary>safetensors: 8-byte header length, JSON header, raw data.</summary>
    SafeTensors,
    /// <summary>torch.save zip archive (PyTorch ≥ 1.6).</summary>
    PyTorchZip,
    /// <summary>torch.save legacy stream of pickles (PyTorch &lt; 1.6, torchvision's model zoo files).</summary>
    PyTorchLegacy,
}

/// <summary>Loads a state dict (name → CPU tensor) from any supported file, detecting the format by content.</summary>
public static class StateDict
{
    /// <summary>
    /// Reads every tensor of <paramref name="path"/> (or those whose key passes <paramref name="include"/>,
    /// which lets large checkpoints skip unwanted storages). Throws a <see cref="DsdException"/> naming the file
    /// when it is missing, corrupt, truncated or of an unsupported format, or when a floating-point tensor holds NaN or
    /// infinity, or a <c>.weight</c>/<c>.bias</c> tensor is not floating point (no network has integer weights: such a file
    /// was written wrongly, and converting it would give a network that runs and is wrong).
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Func<string, bool>? include = null)
    {
        var format = DetectFormat(path);
        Dictionary<string, Tensor> state;
        try
        {
            state = format switch
            {
                StateDictFormat.SafeTensors => Filter(SafeTensors.Load(path), include),
                StateDictFormat.PyTorchZip => PyTorchZipReader.Load(path, include),
                _ => PyTorchLegacyReader.Load(path, include),
            };
        }
        catch (DsdException e) when (e.Kind == DsdErrorKind.InvalidInput)
        {
            // Weights files are a weights problem for the caller, whatever the reader's category.
            throw new DsdException(DsdErrorKind.Weights, e.Message, e);
        }
        catch (Exception e) when (e is not (DsdException or OperationCanceledException))
        {
            throw Corrupt(path, format switch
            {
                StateDictFormat.SafeTensors => "safetensors file",
                StateDictFormat.PyTorchZip => "PyTorch zip checkpoint",
                _ => "legacy PyTorch checkpoint",
            }, e);
        }
        try
        {
            foreach (var (key, t) in state) CheckValues(path, key, t);
        }
        catch
        {
            foreach (var t in state.Values) t.Dispose();
            throw;
        }
        return state;
    }

    static void CheckValues(string path, string key, Tensor t)
    {
        if (!t.is_floating_point())
        {
            if (key.EndsWith(".weight", StringComparison.Ordinal) || key.EndsWith(".bias", StringComparison.Ordinal))
                throw new DsdException(DsdErrorKind.Weights, $"{path}: '{key}' is stored as {t.dtype}, not floating point: the file was not written from a network's weights");
            return;
        }
        using var scope = NewDisposeScope();
        var bad = t.isfinite().logical_not().sum().item<long>();
        if (bad > 0)
            throw new DsdException(DsdErrorKind.Weights, $"{path}: '{key}' holds {bad} NaN or infinite value{(bad == 1 ? "" : "s")} of {t.numel()}: refusing weights that can only give NaN");
    }

    /// <summary>Identifies the format from the first bytes of the file.</summary>
    public static StateDictFormat DetectFormat(string path)
    {
        if (Directory.Exists(path)) throw new DsdException(DsdErrorKind.Weights, $"{path}: is a directory, not a weights file");
        if (File.Exists(path)) InputFile.RequireRegular(path, DsdErrorKind.Weights);
        Span<byte> head = stackalloc byte[16];
        int n;
        try
        {
            using var s = File.OpenRead(path);
            n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DsdException(DsdErrorKind.Weights, $"{path}: weights file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Weights, Directory.Exists(path) ? $"{path}: is a directory, not a weights file" : $"{path}: cannot read: {e.Message}", e);
        }
        head = head[..n];
        if (n >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
            return StateDictFormat.PyTorchZip;
        // Legacy: PROTO 2 then LONG1 of the 10-byte magic number.
        if (n >= 3 && head[0] == 0x80 && head[1] == 2 && head[2] == 0x8a)
            return StateDictFormat.PyTorchLegacy;
        if (n >= 9 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) < 100_000_000)
            return StateDictFormat.SafeTensors;
        if (n == 0)
            throw new DsdException(DsdErrorKind.Weights, $"{path}: weights file is empty");
        throw new DsdException(DsdErrorKind.Weights, $"{path}: unsupported weights format (expected a PyTorch .pth checkpoint or a .safetensors file)");
    }

    static Dictionary<string, Tensor> Filter(Dictionary<string, Tensor> all, Func<string, bool>? include)
    {
        if (include is null) return all;
        foreach (var key in all.Keys.Where(k => !include(k)).ToList())
        {
            all[key].Dispose();
            all.Remove(key);
        }
        return all;
    }

    internal static DsdException Corrupt(string path, string format, Exception e)
    {
        var why = e is EndOfStreamException ? "the file ends early (truncated or incomplete download?)" : e.Message.Split('\n', 2)[0].Trim();
        return new DsdException(DsdErrorKind.Weights, $"{path}: corrupt or unsupported {format}: {why}", e);
    }
}
