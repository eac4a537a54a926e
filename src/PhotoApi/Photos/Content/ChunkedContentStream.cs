using System.Buffers;
using System.Data;
using Npgsql;

namespace PhotoApi.Photos.Content;

/// <summary>The content a download was reading was replaced or deleted meanwhile; the response cannot be completed.</summary>
public sealed class ContentChangedException() : IOException("The photo's content changed during the download.");

/// <summary>
/// A read-only, seekable view of one content version's chunks. Each chunk is read by one short statement on a pooled
/// connection, given back at once: a slow reader holds no connection and no transaction, and a byte range reads only
/// the chunks it covers. A chunk that is gone (the content was replaced) ends the stream with <see cref="ContentChangedException"/>.
/// </summary>
public sealed class ChunkedContentStream(NpgsqlDataSource db, Guid contentId, long length, int chunkSize) : Stream
{
    internal const string ChunkSql = "SELECT bytes FROM photo_chunks WHERE content_id = $1 AND seq = $2";

    private byte[]? _chunk;
    private int _chunkLength;
    private int _chunkSeq = -1;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.IsEmpty)
        {
            return 0;
        }
        var seq = (int)(_position / chunkSize);
        if (seq != _chunkSeq)
        {
            await LoadChunkAsync(seq, cancellationToken);
        }
        var offset = (int)(_position - ((long)seq * chunkSize));
        var count = Math.Min(buffer.Length, _chunkLength - offset);
        if (count <= 0)
        {
            throw new ContentChangedException();
        }
        _chunk.AsMemory(offset, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    private async Task LoadChunkAsync(int seq, CancellationToken cancellationToken)
    {
        _chunk ??= ArrayPool<byte>.Shared.Rent(chunkSize);
        await using var command = db.CreateCommand(ChunkSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = contentId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seq });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new ContentChangedException();
        }
        await using var column = await reader.GetStreamAsync(0, cancellationToken);
        _chunkLength = await column.ReadAtLeastAsync(_chunk.AsMemory(0, chunkSize), chunkSize, throwOnEndOfStream: false, cancellationToken);
        _chunkSeq = seq;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _chunk is not null)
        {
            ArrayPool<byte>.Shared.Return(_chunk);
            _chunk = null;
        }
        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
