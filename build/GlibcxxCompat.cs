// Compiled by MSBuild's RoslynCodeTaskFactory (build/GlibcxxCompat.targets) and by the tests (DSD_GLIBCXX_NO_MSBUILD):
// keep it to netstandard2.0 APIs and one file.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

/// <summary>
/// Makes TorchSharp's libLibTorchSharp.so load on C++ runtimes older than GCC 13's (Debian 12, Ubuntu 22.04). The
/// library needs exactly one symbol of version GLIBCXX_3.4.32, std::ios_base_library_init(), which GCC 13's
/// &lt;iostream&gt; only references to force iostream initialisation (libtorch's own initialisers already do that).
/// Three byte edits make the loader accept the file: the symbol becomes STB_WEAK in .dynsym and unversioned (index 1)
/// in .gnu.version, and the GLIBCXX_3.4.32 entry of .gnu.version_r gets VER_FLG_WEAK. Sizes and offsets never change.
/// </summary>
public static class GlibcxxCompatPatcher
{
    public const string Version = "GLIBCXX_3.4.32";
    public const string Symbol = "_ZSt21ios_base_library_initv";

    const uint ShtDynsym = 11, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    const ushort VerFlgWeak = 0x2;
    const byte StbWeak = 2;
    const int SymSize = 24;

    /// <summary>What <see cref="PatchFile"/> did.</summary>
    public enum Outcome { Patched, AlreadyPatched, NotNeeded }

    /// <summary>Where Linux distributions keep the C++ runtime the loader will pick.</summary>
    public static readonly string[] LibstdcxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/libstdc++.so.6",
    };

    /// <summary>
    /// True when the first libstdc++ found defines <see cref="Version"/> (its bytes hold the version name), false when
    /// it does not, null when none is found. No compiler is asked: reading the file is enough.
    /// </summary>
    public static bool? SystemHasVersion(IEnumerable<string> candidates)
    {
        foreach (var path in candidates)
            if (File.Exists(path))
                return IndexOf(File.ReadAllBytes(path), Encoding.ASCII.GetBytes(Version + "\0")) >= 0;
        return null;
    }

    /// <summary>
    /// Patches <paramref name="path"/> in a copy that replaces it by rename (an interrupted build never leaves a torn
    /// file, and a hard link into the NuGet cache is replaced, not written through). Idempotent.
    /// </summary>
    public static Outcome PatchFile(string path)
    {
        var data = File.ReadAllBytes(path);
        var outcome = Patch(data, path);
        if (outcome != Outcome.Patched) return outcome;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var tmp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.Copy(path, tmp); // keeps the file mode
            using (var f = new FileStream(tmp, FileMode.Open, FileAccess.Write))
                f.Write(data, 0, data.Length);
            File.Replace(tmp, path, null); // rename(2) on Unix: atomic
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
        return outcome;
    }

    /// <summary>Applies the edits to an in-memory ELF image; <paramref name="name"/> is for messages only.</summary>
    public static Outcome Patch(byte[] data, string name)
    {
        if (data.Length < 64 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            throw new InvalidDataException(name + ": not an ELF file");
        if (data[4] != 2 || data[5] != 1)
            throw new InvalidDataException(name + ": not a little-endian 64-bit ELF file");

        var shoff = (long)U64(data, 0x28);
        int shentsize = U16(data, 0x3A), shnum = U16(data, 0x3C);
        Section? dynsym = null, versym = null, verneed = null;
        var sections = new List<Section>();
        for (var i = 0; i < shnum; i++)
        {
            var o = shoff + (long)i * shentsize;
            var s = new Section(U32(data, o + 4), (long)U64(data, o + 24), (long)U64(data, o + 32), U32(data, o + 40), U32(data, o + 44));
            sections.Add(s);
            if (s.Type == ShtDynsym) dynsym = s;
            else if (s.Type == ShtGnuVersym) versym = s;
            else if (s.Type == ShtGnuVerneed) verneed = s;
        }
        if (dynsym == null || versym == null || verneed == null) return Outcome.NotNeeded;
        var dynstr = sections[(int)dynsym.Link];

        // (2) the version requirement: find its index and make it weak.
        var changed = false;
        int? index = null;
        long vn = verneed.Offset;
        for (var n = 0; n < verneed.Info; n++)
        {
            long aux = vn + U32(data, vn + 8);
            for (var a = 0; a < U16(data, vn + 2); a++)
            {
                if (CString(data, dynstr.Offset + U32(data, aux + 8)) == Version)
                {
                    index = U16(data, aux + 6) & 0x7fff;
                    var flags = U16(data, aux + 4);
                    if ((flags & VerFlgWeak) == 0)
                    {
                        W16(data, aux + 4, (ushort)(flags | VerFlgWeak));
                        changed = true;
                    }
                }
                aux += U32(data, aux + 12);
            }
            vn += U32(data, vn + 12);
        }
        if (index == null) return Outcome.NotNeeded;

        // (1) the symbol: weak and unversioned. Anything else bound to the version means a library we do not know.
        var count = dynsym.Size / SymSize;
        var found = false;
        for (long i = 0; i < count; i++)
        {
            var so = dynsym.Offset + i * SymSize;
            var vo = versym.Offset + 2 * i;
            var symbolName = CString(data, dynstr.Offset + U32(data, so));
            var bound = (U16(data, vo) & 0x7fff) == index;
            if (symbolName != Symbol)
            {
                if (bound) throw new InvalidDataException(name + ": unexpected symbol " + symbolName + " bound to " + Version + "; not patched");
                continue;
            }
            found = true;
            if (U16(data, so + 6) != 0) throw new InvalidDataException(name + ": " + Symbol + " is defined here, not imported; not patched");
            var info = data[so + 4];
            if (info >> 4 != StbWeak)
            {
                data[so + 4] = (byte)((StbWeak << 4) | (info & 0xf));
                changed = true;
            }
            if (U16(data, vo) != 1)
            {
                W16(data, vo, 1);
                changed = true;
            }
        }
        if (!found) throw new InvalidDataException(name + ": needs " + Version + " but has no " + Symbol + "; not patched");
        return changed ? Outcome.Patched : Outcome.AlreadyPatched;
    }

    sealed class Section
    {
        public Section(uint type, long offset, long size, uint link, uint info)
        {
            Type = type; Offset = offset; Size = size; Link = link; Info = info;
        }
        public uint Type { get; }
        public long Offset { get; }
        public long Size { get; }
        public uint Link { get; }
        public uint Info { get; }
    }

    static ushort U16(byte[] d, long o) => (ushort)(d[o] | d[o + 1] << 8);
    static uint U32(byte[] d, long o) => (uint)(d[o] | d[o + 1] << 8 | d[o + 2] << 16 | d[o + 3] << 24);
    static ulong U64(byte[] d, long o) => U32(d, o) | (ulong)U32(d, o + 4) << 32;

    static void W16(byte[] d, long o, ushort v)
    {
        d[o] = (byte)v;
        d[o + 1] = (byte)(v >> 8);
    }

    static string CString(byte[] d, long o)
    {
        var end = o;
        while (d[end] != 0) end++;
        return Encoding.ASCII.GetString(d, (int)o, (int)(end - o));
    }

    static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }
}

#if !DSD_GLIBCXX_NO_MSBUILD
/// <summary>
/// MSBuild task: patches each existing file of <see cref="Files"/> unless this machine's libstdc++ already has
/// GLIBCXX_3.4.32 (<see cref="Force"/> patches anyway, for packages that run elsewhere; the edit is harmless there).
/// </summary>
public sealed class DsdPatchLibTorchSharp : Microsoft.Build.Utilities.Task
{
    /// <summary>Candidate paths of libLibTorchSharp.so; missing ones are skipped.</summary>
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    public bool Force { get; set; }

    public override bool Execute()
    {
        var existing = new List<string>();
        foreach (var item in Files)
            if (File.Exists(item.ItemSpec)) existing.Add(item.ItemSpec);
        if (existing.Count == 0) return true;
        if (!Force && GlibcxxCompatPatcher.SystemHasVersion(GlibcxxCompatPatcher.LibstdcxxCandidates) == true)
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "glibcxx-compat: this system's libstdc++ has " + GlibcxxCompatPatcher.Version + "; nothing to patch");
            return true;
        }
        foreach (var path in existing)
        {
            try
            {
                var outcome = GlibcxxCompatPatcher.PatchFile(path);
                var importance = outcome == GlibcxxCompatPatcher.Outcome.Patched ? Microsoft.Build.Framework.MessageImportance.High : Microsoft.Build.Framework.MessageImportance.Low;
                Log.LogMessage(importance, "glibcxx-compat: " + outcome + " " + Path.GetFullPath(path));
            }
            catch (Exception e) when (e is InvalidDataException || e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogWarning("glibcxx-compat: " + e.Message + " (TorchSharp may fail to load on systems without " + GlibcxxCompatPatcher.Version + ")");
            }
        }
        return true;
    }
}
#endif
