using System.Security.Cryptography;

namespace Dsd.Weights;

/// <summary>
/// Downloads torchvision's VGG19 checkpoint into a temp file in the cache folder, verifies its checksum against
/// the hash prefix in the file name, converts the feature tensors into the cache and deletes the download.
/// Whatever fails, no temp file is left behind and an existing cache file is untouched.
/// </summary>
public static class VggWeightFetcher
{
    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);
    static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Fetches <see cref="VggWeightsOptions.Url"/> and converts it; see the class summary.</summary>
    public static VggImportResult Fetch(VggWeightsOptions options, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FetchAsync(options, progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>Asynchronous form of <see cref="Fetch"/>.</summary>
    public static async Task<VggImportResult> FetchAsync(VggWeightsOptions options, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new DsdException(DsdErrorKind.InvalidInput, $"{options.Url}: not an http(s) URL");
        var fileName = Path.GetFileName(uri.AbsolutePath);
        if (string.IsNullOrEmpty(fileName)) fileName = "vgg19.pth";
        Directory.CreateDirectory(options.CacheDirectory);
        RemoveAbandonedDownloads(options.CacheDirectory);
        var temp = Path.Combine(options.CacheDirectory, $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.download");
        try
        {
            var sha = await DownloadAsync(uri, temp, progress, options, cancellationToken).ConfigureAwait(false);
            VggWeightImporter.VerifyHashSuffix(fileName, sha, options.Url);
            return VggWeightImporter.Import(temp, options, sourceName: fileName, sourceUrl: options.Url);
        }
        finally
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    static async Task<string> DownloadAsync(Uri uri, string temp, IProgress<DownloadProgress>? progress, VggWeightsOptions options, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { ConnectTimeout = ConnectTimeout, AllowAutoRedirect = true };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
            headers.CancelAfter(ReadTimeout);
            using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw NetworkError(options, $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
            var total = response.Content.Headers.ContentLength;
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            var buffer = new byte[1 << 20];
            long received = 0;
            progress?.Report(new DownloadProgress(0, total));
            while (true)
            {
                // A fresh timeout per read: a stalled connection fails instead of hanging forever.
                using var read = CancellationTokenSource.CreateLinkedTokenSource(ct);
                read.CancelAfter(ReadTimeout);
                int n;
                try { n = await body.ReadAsync(buffer, read.Token).ConfigureAwait(false); }
                catch (IOException e) { throw NetworkError(options, e.Message); } // the connection broke, not the disk
                if (n == 0) break;
                hash.AppendData(buffer, 0, n);
                await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                received += n;
                progress?.Report(new DownloadProgress(received, total));
            }
            if (total is { } expected && received != expected)
                throw NetworkError(options, $"the download stopped after {received} of {expected} bytes");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw NetworkError(options, "the connection timed out");
        }
        catch (HttpRequestException e)
        {
            throw NetworkError(options, e.Message);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    // A killed process (SIGKILL, power loss) cannot clean up; drop temp files whose owner process is gone.
    static void RemoveAbandonedDownloads(string dir)
    {
        foreach (var file in Directory.EnumerateFiles(dir, ".*.download"))
        {
            var parts = Path.GetFileName(file).Split('.');
            if (parts.Length < 4 || !int.TryParse(parts[^3], out var pid) || IsRunning(pid)) continue;
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    static bool IsRunning(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    static DsdException NetworkError(VggWeightsOptions options, string why) => new(DsdErrorKind.Weights,
        $"could not download {options.Url}: {why}. Without network access, copy torchvision's vgg19-dcbb9e9d.pth onto this machine by other means and run "
        + $"'dsd weights import /path/to/vgg19-dcbb9e9d.pth', or point --vgg-weights or {VggWeightsOptions.WeightsVariable} at it.");
}
