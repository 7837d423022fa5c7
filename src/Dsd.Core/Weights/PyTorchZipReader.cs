using System.IO.Compression;
using static TorchSharp.torch;

namespace Dsd.Weights;

/// <summary>
/// Reads the zip checkpoint format of torch.save (PyTorch ≥ 1.6): <c>PREFIX/data.pkl</c> holds the pickled
/// state dict and <c>PREFIX/data/KEY</c> the raw little-endian bytes of each storage.
/// </summary>
public static class PyTorchZipReader
{
    /// <summary>Reads every tensor (or those whose key passes <paramref name="include"/>) onto the CPU, in stored dtypes.</summary>
    public static Dictionary<string, Tensor> Load(string path, Func<string, bool>? include = null)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            return Read(zip, include);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DsdException(DsdErrorKind.Weights, $"{path}: weights file not found", e);
        }
        catch (Exception e) when (e is not (DsdException or OperationCanceledException))
        {
            // One guard for whatever hostile bytes provoke (format errors, overflows, allocation failures).
            throw StateDict.Corrupt(path, "PyTorch zip checkpoint", e);
        }
    }

    static Dictionary<string, Tensor> Read(ZipArchive zip, Func<string, bool>? include)
    {
        var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
            ?? throw new InvalidDataException("no data.pkl entry");
        var prefix = pkl.FullName[..^"data.pkl".Length];
        if (zip.GetEntry(prefix + "byteorder") is { } order)
        {
            using var r = new StreamReader(order.Open());
            if (r.ReadToEnd().Trim() != "little") throw new InvalidDataException("big-endian checkpoints are not supported");
        }

        object? root;
        using (var s = new MemoryStream())
        {
            // A zip entry may claim any size and inflate to far more than the file: cap what data.pkl may expand to.
            if (pkl.Length > MaxPickleBytes) throw new InvalidDataException($"data.pkl of {pkl.Length} bytes is implausibly large");
            using (var raw = pkl.Open()) CopyAtMost(raw, s, MaxPickleBytes);
            s.Position = 0;
            root = new PickleReader(s, TorchPickle.FindGlobal, pid => TorchPickle.ParseStorageId(pid)).Load();
        }

        var storages = new Dictionary<string, Tensor>();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, p) in TorchPickle.TensorEntries(root))
            {
                if (include is not null && !include(name)) continue;
                var rootRef = p.Storage.ViewOf ?? p.Storage;
                if (!storages.TryGetValue(rootRef.Key, out var storage))
                {
                    var entry = zip.GetEntry(prefix + "data/" + rootRef.Key) ?? throw new InvalidDataException($"storage data/{rootRef.Key} is missing");
                    storage = ReadStorage(entry, rootRef);
                    storages[rootRef.Key] = storage;
                }
                result[name] = TorchPickle.Materialise(p, storage, p.Storage.ViewOf is null ? 0 : p.Storage.ViewOffset);
            }
        }
        finally
        {
            foreach (var s in storages.Values) s.Dispose();
        }
        return result;
    }

    /// <summary>A state dict's pickle holds names and shapes: a few hundred kB even for large networks.</summary>
    const long MaxPickleBytes = 64 << 20;

    static void CopyAtMost(Stream from, Stream to, long limit)
    {
        var buffer = new byte[81920];
        int n;
        while ((n = from.Read(buffer)) > 0)
        {
            if (to.Length + n > limit) throw new InvalidDataException($"data.pkl inflates to more than {limit} bytes");
            to.Write(buffer, 0, n);
        }
    }

    static Tensor ReadStorage(ZipArchiveEntry entry, StorageRef r)
    {
        var expected = r.Count * TorchPickle.ElementSize(r.DType); // Count was bounded by ParseStorageId
        if (entry.Length != expected)
            throw new InvalidDataException($"storage {entry.FullName} has {entry.Length} bytes, expected {expected}");
        var t = empty(r.Count, r.DType);
        using var s = entry.Open();
        s.ReadExactly(t.bytes);
        return t;
    }
}
