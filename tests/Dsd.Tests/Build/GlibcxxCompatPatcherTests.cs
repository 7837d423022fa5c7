using System.Reflection;
using System.Runtime.Versioning;
using Xunit;

namespace Dsd.Tests.Build;

/// <summary>
/// The build-time byte edit of TorchSharp's native library (build/GlibcxxCompat.cs, compiled into the tests too). That
/// the edited library loads on this machine's C++ runtime is shown by every TorchSharp test in this suite; these check
/// the edit itself on the untouched file from the NuGet cache.
/// </summary>
public sealed class GlibcxxCompatPatcherTests
{
    static string? Original
    {
        get
        {
            var root = typeof(GlibcxxCompatPatcherTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "NuGetPackageRoot")?.Value;
            var path = root is null ? null : Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            return path is not null && File.Exists(path) ? path : null;
        }
    }

    sealed class OriginalFactAttribute : FactAttribute
    {
        public OriginalFactAttribute(bool unixOnly = false)
        {
            if (Original is null) Skip = "needs TorchSharp 0.107.0's linux-x64 libLibTorchSharp.so in the NuGet cache";
            else if (unixOnly && OperatingSystem.IsWindows()) Skip = "file modes are a Unix notion";
        }
    }

    [OriginalFact]
    public void EditsExactlyTheBindingTheVersionIndexAndTheWeakFlag()
    {
        var before = File.ReadAllBytes(Original!);
        var after = (byte[])before.Clone();

        Assert.Equal(GlibcxxCompatPatcher.Outcome.Patched, GlibcxxCompatPatcher.Patch(after, "lib"));

        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        // readelf on the original: the symbol is FUNC GLOBAL (st_info 0x12) with version index 18 (0x12), and the
        // GLIBCXX_3.4.32 requirement has no flags. After: FUNC WEAK (0x22), index 1 (unversioned), VER_FLG_WEAK (2).
        Assert.Equal(3, changed.Count);
        Assert.Equal(new byte[] { 0x00, 0x12, 0x12 }, changed.Select(i => before[i]).Order().ToArray());
        Assert.Equal(new byte[] { 0x01, 0x02, 0x22 }, changed.Select(i => after[i]).Order().ToArray());
        Assert.Equal(before.Length, after.Length);
    }

    [OriginalFact]
    public void PatchingTwiceChangesNothingTheSecondTime()
    {
        var data = File.ReadAllBytes(Original!);
        GlibcxxCompatPatcher.Patch(data, "lib");
        var once = (byte[])data.Clone();

        Assert.Equal(GlibcxxCompatPatcher.Outcome.AlreadyPatched, GlibcxxCompatPatcher.Patch(data, "lib"));
        Assert.Equal(once, data);
    }

    [OriginalFact(unixOnly: true)]
    [UnsupportedOSPlatform("windows")]
    public void PatchFileReplacesTheFileKeepsItsModeAndLeavesNoTemporaryFile()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-glibcxx-").FullName;
        var path = Path.Combine(dir, "libLibTorchSharp.so");
        File.Copy(Original!, path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
        var expected = File.ReadAllBytes(Original!);
        GlibcxxCompatPatcher.Patch(expected, "lib");

        Assert.Equal(GlibcxxCompatPatcher.Outcome.Patched, GlibcxxCompatPatcher.PatchFile(path));
        var written = File.GetLastWriteTimeUtc(path);
        Assert.Equal(GlibcxxCompatPatcher.Outcome.AlreadyPatched, GlibcxxCompatPatcher.PatchFile(path));

        Assert.Equal(expected, File.ReadAllBytes(path));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
        Assert.Equal(["libLibTorchSharp.so"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void ALibraryThatDoesNotNeedTheVersionIsLeftAlone()
    {
        // SkiaSharp's Linux build (NoDependencies) asks nothing of libstdc++.
        var skia = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libSkiaSharp.so");
        var data = File.ReadAllBytes(skia);
        var copy = (byte[])data.Clone();

        Assert.Equal(GlibcxxCompatPatcher.Outcome.NotNeeded, GlibcxxCompatPatcher.Patch(copy, skia));
        Assert.Equal(data, copy);
    }

    [Fact]
    public void AFileThatIsNotElfIsRefusedWithItsName()
    {
        var png = Path.Combine(TestPaths.GoldenRandom, "ref_crop.png");
        var e = Assert.Throws<InvalidDataException>(() => GlibcxxCompatPatcher.Patch(File.ReadAllBytes(png), png));
        Assert.Equal(png + ": not an ELF file", e.Message);
    }

    [Fact]
    public void TheSystemCheckReadsTheVersionNameFromTheFirstLibstdcxxFound()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-libstdcxx-").FullName;
        string Write(string name, string content)
        {
            var p = Path.Combine(dir, name);
            File.WriteAllBytes(p, [0x7f, .. System.Text.Encoding.ASCII.GetBytes(content)]);
            return p;
        }
        var newer = Write("new.so", "\0GLIBCXX_3.4.31\0GLIBCXX_3.4.32\0GLIBCXX_3.4.33\0");
        var older = Write("old.so", "\0GLIBCXX_3.4.29\0GLIBCXX_3.4.30\0");
        var missing = Path.Combine(dir, "absent.so");

        Assert.True(GlibcxxCompatPatcher.SystemHasVersion([missing, newer, older]));
        Assert.False(GlibcxxCompatPatcher.SystemHasVersion([older, newer]));
        Assert.Null(GlibcxxCompatPatcher.SystemHasVersion([missing]));
    }
}
