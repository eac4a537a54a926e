using System.Data;
using Npgsql;

namespace PhotoApi.Photos.Content;

/// <summary>
/// A read-only, seekable view of one photo's chunks. Reading starts one sequential query from the chunk that holds the
/// position, so a byte range skips the chunks before it and a whole download is one query, streamed column by column.
/// Owns the connection and read transaction given to it.
/// </summary>
public sealed class ChunkedContentStream(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid photoId, long length, int chunkSize) : Stream
{
    private NpgsqlCommand? _command;
    private NpgsqlDataReader? _reader;
    private Stream? _column;
    private long _position;
    private long _readerPosition = -1;

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
        if (_readerPosition != _position)
        {
            await StartReadingAtAsync(_position, cancellationToken);
        }

        while (true)
        {
            if (_column is not null)
            {
                var read = await _column.ReadAsync(buffer, cancellationToken);
                if (read > 0)
                {
                    _position += read;
                    _readerPosition = _position;
                    return read;
                }
                await _column.DisposeAsync();
                _column = null;
            }
            if (!await _reader!.ReadAsync(cancellationToken))
            {
                return 0;
            }
            _column = _reader.GetStream(0);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    internal const string ChunksSql = "SELECT bytes FROM photo_chunks WHERE photo_id = $1 AND seq >= $2 ORDER BY seq";

    private async Task StartReadingAtAsync(long position, CancellationToken cancellationToken)
    {
        await CloseReaderAsync();
        _command = new NpgsqlCommand(ChunksSql, connection, transaction);
        _command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = photoId });
        _command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)(position / chunkSize) });
        _reader = await _command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);

        // Skip to the position inside the first chunk.
        var skip = (int)(position % chunkSize);
        if (await _reader.ReadAsync(cancellationToken))
        {
            _column = _reader.GetStream(0);
            if (skip > 0)
            {
                var scratch = new byte[Math.Min(skip, 64 * 1024)];
                while (skip > 0)
                {
                    var read = await _column.ReadAsync(scratch.AsMemory(0, Math.Min(skip, scratch.Length)), cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }
                    skip -= read;
                }
            }
        }
        _readerPosition = position;
    }

    private async Task CloseReaderAsync()
    {
        if (_column is not null)
        {
            await _column.DisposeAsync();
            _column = null;
        }
        if (_reader is not null)
        {
            await _reader.DisposeAsync();
            _reader = null;
        }
        if (_command is not null)
        {
            await _command.DisposeAsync();
            _command = null;
        }
    }

    private bool _disposed;

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await ReleaseAsync();
        }
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            ReleaseAsync().AsTask().GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
    }

    private async ValueTask ReleaseAsync()
    {
        await CloseReaderAsync();
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
