using System.Collections.Concurrent;


namespace Dsd.Training;

/// <summary>
/// Makes batches on a background thread into a bounded queue, so that decoding, cropping and blurring overlap with
/// the network's step. Batches come out in index order; each is a pure function of its index, so the data do not
/// depend on timing.
/// </summary>
public sealed class BatchQueue : IDisposable
{
    readonly BlockingCollection<Batch> queue;
    readonly CancellationTokenSource stop = new();
    readonly Task producer;
    Exception? failure;

    /// <param name="make">Makes batch number n.</param>
    /// <param name="first">Index of the first batch.</param>
    /// <param name="end">One past the last index.</param>
    /// <param name="capacity">Batches made ahead at most.</param>
    public BatchQueue(Func<long, Batch> make, long first, long end, int capacity = 4)
    {
        queue = new BlockingCollection<Batch>(Math.Max(1, capacity));
        producer = Task.Factory.StartNew(() =>
        {
            try
            {
                for (var n = first; n < end && !stop.IsCancellationRequested; n++)
                {
                    var batch = make(n);
                    try { queue.Add(batch, stop.Token); }
                    catch (OperationCanceledException) { batch.Dispose(); break; }
                }
            }
            catch (Exception e) { failure = e; }
            finally { queue.CompleteAdding(); }
        }, TaskCreationOptions.LongRunning);
    }

    /// <summary>The next batch; rethrows a failure of the producer (e.g. an unreadable image).</summary>
    public Batch Take(CancellationToken cancel = default)
    {
        if (queue.TryTake(out var batch, Timeout.Infinite, cancel)) return batch;
        throw failure is DsdException d ? new DsdException(d.Kind, d.Message, d)
            : failure is not null ? new InvalidOperationException("making a training batch failed", failure)
            : new InvalidOperationException("the batch queue is exhausted");
    }

    public void Dispose()
    {
        stop.Cancel();
        while (queue.TryTake(out var batch)) batch.Dispose();
        try { producer.Wait(); } catch (AggregateException) { }
        while (queue.TryTake(out var batch)) batch.Dispose();
        queue.Dispose();
        stop.Dispose();
    }
}
