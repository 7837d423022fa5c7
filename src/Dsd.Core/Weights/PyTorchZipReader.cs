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
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or PickleException)
        {
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
            using (var raw = pkl.Open()) raw.CopyTo(s);
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

    static Tensor ReadStorage(ZipArchiveEntry entry, StorageRef r)
    {
        var expected = r.Count * TorchPickle.ElementSize(r.DType);
        if (entry.Length != expected)
            throw new InvalidDataException($"storage {entry.FullName} has {entry.Length} bytes, expected {expected}");
        var t = empty(r.Count, r.DType);
        using var s = entry.Open();
        s.ReadExactly(t.bytes);
        return t;
    }
}
