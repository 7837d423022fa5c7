using System.Text.Json.Nodes;
using Dsd.Imaging;
using Dsd.Serialization;
using Dsd.Tests.Cli;
using Dsd.Weights;
using SkiaSharp;
using Xunit;

namespace Dsd.Tests.Robustness;

/// <summary>
/// Issue 22, items 1–3 and 9: a named pipe, socket or device among the inputs is a per-file error, never a hang; no
/// output may replace an input under any of its names; images sharing a name keep separate outputs; a file's header is
/// judged before the file is read.
/// </summary>
[Collection(CliHarness.Name)]
public sealed class SpecialFileAndAliasTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("dsd-special-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string P(params string[] parts) => Path.Combine([dir, .. parts]);

    static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    /// <summary>Runs <paramref name="body"/> on another thread and fails, instead of hanging, when it does not return in time.</summary>
    static T Within<T>(Func<T> body)
    {
        var task = Task.Run(body);
        Assert.True(task.Wait(TimeSpan.FromSeconds(30)), "still waiting after 30 s (blocked opening a special file?)");
        return task.Result;
    }

    [Fact]
    public void FileIdentity_tells_every_kind_of_file_apart()
    {
        var png = SpecialFiles.Png(P("a.png"), 8, 8, 1);
        var fifo = SpecialFiles.Fifo(P("pipe.png"));
        using var socket = SpecialFiles.Socket(P("sock.png"));
        var link = P("link.png");
        File.CreateSymbolicLink(link, fifo);
        var hard = SpecialFiles.HardLink(png, P("hard.png"));
        Assert.Equal(FileType.Regular, FileIdentity.Of(png).Type);
        Assert.Equal(FileType.Directory, FileIdentity.Of(dir).Type);
        Assert.Equal(FileType.NamedPipe, FileIdentity.Of(fifo).Type);
        Assert.Equal(FileType.NamedPipe, FileIdentity.Of(link).Type);
        Assert.Equal(FileType.Socket, FileIdentity.Of(P("sock.png")).Type);
        Assert.Equal(FileType.CharacterDevice, FileIdentity.Of("/dev/null").Type);
        Assert.Equal(FileType.Missing, FileIdentity.Of(P("none.png")).Type);
        Assert.True(FileIdentity.Of(png).SameFileAs(FileIdentity.Of(hard)));
        Assert.False(FileIdentity.Of(png).SameFileAs(FileIdentity.Of(fifo)));
    }

    [Fact]
    public void Opening_a_pipe_socket_or_device_fails_at_once_naming_it()
    {
        var fifo = SpecialFiles.Fifo(P("a.png"));
        using var socket = SpecialFiles.Socket(P("s.png"));
        var zero = P("zero.png");
        File.CreateSymbolicLink(zero, "/dev/zero");
        Assert.Equal($"{fifo}: is a named pipe (FIFO), not a regular file", Within(() => Assert.Throws<DsdException>(() => ImageIo.Load(fifo))).Message);
        Assert.Equal($"{P("s.png")}: is a socket, not a regular file", Within(() => Assert.Throws<DsdException>(() => ImageIo.Load(P("s.png")))).Message);
        Assert.Equal($"{zero}: is a character device, not a regular file", Within(() => Assert.Throws<DsdException>(() => ImageIo.ReadSize(zero))).Message);
        var weights = SpecialFiles.Fifo(P("w.safetensors"));
        Assert.Equal(DsdErrorKind.InvalidInput, Within(() => Assert.Throws<DsdException>(() => SafeTensors.Load(weights))).Kind);
        var pth = SpecialFiles.Fifo(P("w.pth"));
        var e = Within(() => Assert.Throws<DsdException>(() => StateDict.Load(pth)));
        Assert.Equal((DsdErrorKind.Weights, $"{pth}: is a named pipe (FIFO), not a regular file"), (e.Kind, e.Message));
    }

    [Fact]
    public async Task A_pipe_in_a_folder_is_reported_and_the_other_images_are_scored_and_fingerprinted()
    {
        var folder = P("d");
        SpecialFiles.Fifo(Path.Combine(folder, "a.png"));
        SpecialFiles.Png(Path.Combine(folder, "b.png"), 64, 64, 2); // the least the default form of noref-dsd takes
        var csv = P("o.csv");
        var (code, _, err, hung) = await DsdProcess.Run(Limit, "score", "--dist", folder, "--metrics", "noref-dsd", "--out", csv);
        Assert.False(hung, "dsd score waited on the pipe");
        Assert.True(code == 2, err);
        Assert.Contains($"{Path.Combine(folder, "a.png")}: is a named pipe (FIFO), not a regular file", err);
        var b = File.ReadAllLines(csv).Single(l => l.Contains("b.png", StringComparison.Ordinal));
        Assert.Matches(@",[0-9.Ee+-]+,$", b);

        var prints = P("prints");
        (code, _, err, hung) = await DsdProcess.Run(Limit, "fingerprint", folder, "--out", prints, "--layers", "relu1_1", "--alpha", "2");
        Assert.False(hung, "dsd fingerprint waited on the pipe");
        Assert.True(code == 2, err);
        Assert.True(File.Exists(Path.Combine(prints, "b.safetensors")));
    }

    public static TheoryData<string> Aliases => new() { "same", "dot", "symlink", "hardlink", "folder-symlink" };

    /// <summary>The path <paramref name="kind"/> makes for <paramref name="input"/>: the same string or another name of it.</summary>
    string Alias(string input, string kind)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), input);
        switch (kind)
        {
            case "same": return input;
            case "dot": return Path.Combine(Path.GetDirectoryName(input)!, ".", Path.GetFileName(input));
            case "symlink":
                var link = P("link-" + Path.GetFileName(input));
                File.CreateSymbolicLink(link, input);
                return link;
            case "hardlink": return SpecialFiles.HardLink(input, P("hard-" + Path.GetFileName(input)));
            case "folder-symlink":
                var folder = P("folder-link");
                if (!Directory.Exists(folder)) Directory.CreateSymbolicLink(folder, Path.GetDirectoryName(input)!);
                return Path.Combine(folder, Path.GetFileName(input));
            default: return relative;
        }
    }

    [Theory]
    [MemberData(nameof(Aliases))]
    public void No_command_writes_over_an_input_by_any_name(string kind)
    {
        var photo = SpecialFiles.Png(P("in", "photo.png"), 24, 24, 1);
        var before = File.ReadAllBytes(photo);
        void Refused(string output, params string[] args)
        {
            var (code, _, err) = CliHarness.Run(args);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}: {err}");
            Assert.Contains($"{output}: the result would overwrite", err);
        }
        var o = Alias(photo, kind);
        Refused(o, "score", "--dist", photo, "--metrics", "psnr-y", "--ref", photo, "--out", o);
        Refused(o, "fingerprint", photo, "--layers", "relu1_1", "--alpha", "2", "--out", o);
        Assert.Equal(before, File.ReadAllBytes(photo));

        var shard = P("in", "scores.json");
        Assert.Equal(0, CliHarness.Run("score", "--dist", photo, "--ref", photo, "--metrics", "psnr-y", "--out", shard).Code);
        var json = File.ReadAllBytes(shard);
        var s = Alias(shard, kind);
        Refused(s, "merge", shard, "--out", s);
        Refused(s, "report", shard, "--no-heatmaps", "--html", s);
        Assert.Equal(json, File.ReadAllBytes(shard));
    }

    /// <summary>On a case-sensitive file system (Linux) a name that differs in case is another file: nothing to refuse, nothing lost.</summary>
    [Fact]
    public void A_name_differing_only_in_case_is_refused_exactly_when_it_is_the_same_file()
    {
        var photo = SpecialFiles.Png(P("Photo.png"), 24, 24, 1);
        var before = File.ReadAllBytes(photo);
        var other = P("photo.png");
        var sameFile = FileIdentity.Of(other).Type != FileType.Missing; // a case-insensitive file system
        var (code, _, err) = CliHarness.Run("score", "--dist", photo, "--ref", photo, "--metrics", "psnr-y", "--out", other);
        Assert.Equal(sameFile ? 2 : 0, code);
        Assert.Equal(before, File.ReadAllBytes(photo));
        Assert.Equal(sameFile, OutputGuard.SameFile(other, photo));
    }

    [Fact]
    public void Images_sharing_a_name_are_fingerprinted_to_separate_files()
    {
        var folder = P("same");
        SpecialFiles.Png(Path.Combine(folder, "a.png"), 24, 24, 1);
        SpecialFiles.Png(Path.Combine(folder, "a.PNG"), 24, 24, 2);
        using (var image = SKImage.FromEncodedData(File.ReadAllBytes(Path.Combine(folder, "a.png"))))
        using (var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 90))
            File.WriteAllBytes(Path.Combine(folder, "a.jpg"), jpeg.ToArray());
        SpecialFiles.Png(Path.Combine(folder, "b.png"), 24, 24, 3);
        var prints = P("prints");
        var (code, _, err) = CliHarness.Run("fingerprint", folder, "--out", prints, "--layers", "relu1_1", "--alpha", "2");
        Assert.True(code == 0, err);
        Assert.Equal(["a.PNG.safetensors", "a.jpg.safetensors", "a.png.safetensors", "b.safetensors"],
            Directory.GetFiles(prints).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var name in new[] { "a.PNG", "a.jpg", "a.png" })
            Assert.Equal(name, SafeTensors.LoadMetadata(Path.Combine(prints, name + ".safetensors"))["image"]);
    }

    [Fact]
    public void A_huge_file_behind_a_small_header_is_refused_before_it_is_read()
    {
        var path = P("sparse.png");
        SpecialFiles.Png(path, 8, 8, 1);
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(2L << 30); // sparse: costs no disk
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<DsdException>(() => ImageIo.Load(path));
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 50_000_000, "read the file before refusing it");
        Assert.StartsWith($"{path}: file of 2147483648 bytes is larger than a 8×8 image can be", e.Message);
    }

    [Fact]
    public void A_jpeg_whose_header_declares_more_than_its_data_holds_is_truncated()
    {
        var path = P("big.jpg");
        using (var image = SKImage.FromEncodedData(File.ReadAllBytes(SpecialFiles.Png(P("small.png"), 64, 64, 1))))
        using (var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 90))
        {
            var bytes = jpeg.ToArray();
            var sof = Enumerable.Range(2, bytes.Length - 3).First(i => bytes[i] == 0xFF && bytes[i + 1] == 0xC0);
            // SOF0: FF C0, length (2), precision (1), height (2), width (2): declare 10000×10000.
            bytes[sof + 5] = bytes[sof + 7] = 10000 >> 8;
            bytes[sof + 6] = bytes[sof + 8] = 10000 & 0xFF;
            File.WriteAllBytes(path, bytes);
        }
        var e = Assert.Throws<DsdException>(() => ImageIo.Load(path));
        Assert.StartsWith($"{path}: truncated image (the JPEG data ends early", e.Message);
        // A real JPEG holds more than the bound even when it is as compressible as can be: one flat colour, quality 1.
        var flat = P("flat.jpg");
        using (var surface = SKSurface.Create(new SKImageInfo(512, 512)))
        {
            surface.Canvas.Clear(new SKColor(120, 130, 140));
            using var snapshot = surface.Snapshot();
            using var data = snapshot.Encode(SKEncodedImageFormat.Jpeg, 1);
            File.WriteAllBytes(flat, data.ToArray());
        }
        using var loaded = ImageIo.Load(flat);
        Assert.Equal(new long[] { 1, 3, 512, 512 }, loaded.shape);
    }
}
