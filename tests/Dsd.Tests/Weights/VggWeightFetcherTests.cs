using System.Security.Cryptography;
using Dsd.Serialization;
using Dsd.Weights;
using Xunit;

namespace Dsd.Tests.Weights;

public class VggWeightFetcherTests
{
    static readonly byte[] Fixture = File.ReadAllBytes(WeightsFixtures.File("vgg_conv1_legacy.pth"));
    static readonly string Hash8 = Convert.ToHexStringLower(SHA256.HashData(Fixture))[..8];

    static VggWeightsOptions Options(string url, string home) => new() { CacheDirectory = home, Url = url };

    [Fact]
    public void FetchVerifiesConvertsAndCachesFeatureTensors()
    {
        using var server = new LoopbackHttpServer(_ => new(200, Fixture));
        var home = Path.Combine(WeightsFixtures.TempDir(), "home");
        var url = server.Url($"/models/vgg19-{Hash8}.pth");
        var reports = new List<DownloadProgress>();
        var result = VggWeightFetcher.Fetch(Options(url, home), new SyncProgress(reports.Add));

        Assert.Equal(Path.Combine(home, VggWeightStore.CacheFileName), result.CachePath);
        Assert.Equal(["conv1_1"], result.Covered.Select(c => c.Name));
        Assert.Equal([VggWeightStore.CacheFileName], Directory.GetFiles(home).Select(Path.GetFileName));
        WeightsFixtures.AssertSameTensors(WeightsFixtures.Expected("vgg_conv1_expected.safetensors"), SafeTensors.Load(result.CachePath));
        var meta = SafeTensors.LoadMetadata(result.CachePath);
        Assert.Equal(url, meta["source_url"]);
        Assert.StartsWith(Hash8, meta["source_sha256"]);
        Assert.Equal(Fixture.Length, reports[^1].BytesReceived);
        Assert.Equal(Fixture.Length, reports[^1].TotalBytes);
    }

    [Fact]
    public void AbandonedTempFilesOfDeadProcessesAreRemoved()
    {
        using var server = new LoopbackHttpServer(_ => new(200, Fixture));
        var home = WeightsFixtures.TempDir();
        var dead = Path.Combine(home, $".vgg19-{Hash8}.pth.{int.MaxValue - 1}.0123abcd.download");
        var live = Path.Combine(home, $".vgg19-{Hash8}.pth.{Environment.ProcessId}.0123abcd.download");
        File.WriteAllText(dead, "partial");
        File.WriteAllText(live, "partial");
        VggWeightFetcher.Fetch(Options(server.Url($"/vgg19-{Hash8}.pth"), home));
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live));
    }

    [Fact]
    public void CorruptedDownloadIsAChecksumErrorAndLeavesNoFiles()
    {
        var corrupt = (byte[])Fixture.Clone();
        corrupt[^100] ^= 0xFF;
        using var server = new LoopbackHttpServer(_ => new(200, corrupt));
        var home = WeightsFixtures.TempDir();
        var e = Assert.Throws<DsdException>(() => VggWeightFetcher.Fetch(Options(server.Url($"/vgg19-{Hash8}.pth"), home)));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("checksum", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(home));
    }

    [Fact]
    public void CorruptedDownloadKeepsAnExistingCacheFile()
    {
        var home = WeightsFixtures.TempDir();
        File.WriteAllText(Path.Combine(home, VggWeightStore.CacheFileName), "old");
        using var server = new LoopbackHttpServer(_ => new(200, Fixture[..^1]));
        Assert.Throws<DsdException>(() => VggWeightFetcher.Fetch(Options(server.Url($"/vgg19-{Hash8}.pth"), home)));
        Assert.Equal("old", File.ReadAllText(Path.Combine(home, VggWeightStore.CacheFileName)));
        Assert.Single(Directory.GetFileSystemEntries(home));
    }

    [Fact]
    public void TruncatedTransferIsAClearNetworkError()
    {
        using var server = new LoopbackHttpServer(_ => new(200, Fixture[..1000], DeclaredLength: Fixture.Length));
        var home = WeightsFixtures.TempDir();
        var e = Assert.Throws<DsdException>(() => VggWeightFetcher.Fetch(Options(server.Url($"/vgg19-{Hash8}.pth"), home)));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("could not download", e.Message);
        Assert.Contains("dsd weights import", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(home));
    }

    [Fact]
    public void ConnectionRefusedSaysHowToImport()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var home = WeightsFixtures.TempDir();
        var e = Assert.Throws<DsdException>(() => VggWeightFetcher.Fetch(Options($"http://127.0.0.1:{port}/vgg19-{Hash8}.pth", home)));
        Assert.Contains("dsd weights import /path/to/vgg19-dcbb9e9d.pth", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(home));
    }

    [Fact]
    public void HttpErrorStatusIsReported()
    {
        using var server = new LoopbackHttpServer(_ => new(404, []));
        var e = Assert.Throws<DsdException>(() => VggWeightFetcher.Fetch(Options(server.Url($"/vgg19-{Hash8}.pth"), WeightsFixtures.TempDir())));
        Assert.Contains("404", e.Message);
    }

    [Fact]
    public void AcquireDownloadsOnlyWhenNothingCoversTheLayers()
    {
        using var server = new LoopbackHttpServer(_ => new(200, Fixture));
        var home = WeightsFixtures.TempDir();
        var notices = new List<string>();
        var options = Options(server.Url($"/vgg19-{Hash8}.pth"), home);
        using (var w = VggWeightStore.Acquire(options, VggWeightStore.FullNetworkIndex, onDownload: notices.Add))
        {
            Assert.Equal(VggWeightsSourceKind.Cache, w.Source);
            Assert.Single(notices);
        }
        using (var again = VggWeightStore.Acquire(options, VggWeightStore.FullNetworkIndex, onDownload: notices.Add))
            Assert.Single(notices);
    }

    [Fact]
    public void AcquireOfflineExplainsHowToImport()
    {
        var options = new VggWeightsOptions { CacheDirectory = WeightsFixtures.TempDir(), Url = "http://127.0.0.1:9/x", AllowDownload = false };
        var e = Assert.Throws<DsdException>(() => VggWeightStore.Acquire(options, VggWeightStore.FullNetworkIndex));
        Assert.Contains("dsd weights import /path/to/vgg19-dcbb9e9d.pth", e.Message);
        Assert.Contains("--vgg-weights", e.Message);
        Assert.Contains(VggWeightsOptions.WeightsVariable, e.Message);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the reports synchronously.</summary>
    sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
