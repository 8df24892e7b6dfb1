using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MeshHost.Plugins.FileShare.Storage;

/// <summary>
/// A second, write-only handle on a part file, opened with <c>O_DIRECT</c> (Linux): verified blocks go
/// from the process to the disk without being copied into the page cache. Only whole 4 KiB units at
/// 4 KiB-aligned offsets are written this way (<see cref="WriteAligned"/>); the caller writes the rest
/// (a file's short last block) through its ordinary handle. Not thread-safe: the owner serializes writes.
/// </summary>
/// <remarks>
/// Why: filling the page cache was the largest cost of a download, 30-40% of the downloader's CPU
/// (2-3 CPU-seconds per GB on the benchmark's VM, where each fresh page-cache page also faults on the
/// host), and a large download evicts everything else the machine had cached. A direct write costs
/// about a tenth of that (docs/benchmarks.md, "File sharing"). The data reaches the device when the
/// write returns, so the resume rules (the sidecar claims only blocks already written) hold as before.
/// Where the file system refuses <c>O_DIRECT</c> (tmpfs on older kernels, some network and FUSE file
/// systems) <see cref="TryOpen"/> returns null and the store writes through the page cache, as it does
/// on other operating systems and when <c>DirectWrites</c> is off (docs/fileshare.md, "Settings").
/// </remarks>
internal sealed class DirectFileWriter : IDisposable
{
    /// <summary>Offsets and lengths written directly are multiples of this (the largest logical block size in use).</summary>
    public const int Alignment = 4096;

    // One pwrite carries at most this much: a whole 256 KiB piece, or a 768 KiB response in steps.
    private const int BufferSize = 256 * 1024;

    // Aligned staging buffers kept for reuse across all part files; more are made while more writers
    // run at once, and only this many are kept afterwards.
    private const int PooledBuffers = 8;

    private const int OpenWriteOnly = 0x1;
    private const int OpenCloseOnExec = 0x80000;

    private static readonly ConcurrentQueue<AlignedBuffer> Buffers = new();

    private readonly SafeFileHandle _handle;

    private DirectFileWriter(SafeFileHandle handle) => _handle = handle;

    /// <summary>
    /// Opens <paramref name="path"/> (which must exist) for direct writes; null where this is not Linux
    /// on x64 or Arm, or the file system does not support <c>O_DIRECT</c>.
    /// </summary>
    public static DirectFileWriter? TryOpen(string path)
    {
        if (!OperatingSystem.IsLinux() || DirectFlag() is not int direct)
        {
            return null;
        }

        int descriptor = Open(path, OpenWriteOnly | OpenCloseOnExec | direct, 0);
        return descriptor < 0 ? null : new DirectFileWriter(new SafeFileHandle(descriptor, ownsHandle: true));
    }

    /// <summary>
    /// Writes the longest prefix of <paramref name="data"/> made of whole <see cref="Alignment"/> units at
    /// <paramref name="position"/> (which must be a multiple of <see cref="Alignment"/>); returns its length.
    /// </summary>
    /// <exception cref="IOException">The write failed (disk full, or the device refused the alignment).</exception>
    public int WriteAligned(ReadOnlySpan<byte> data, long position)
    {
        if (position % Alignment != 0)
        {
            return 0;
        }

        int length = data.Length / Alignment * Alignment;
        if (length == 0)
        {
            return 0;
        }

        AlignedBuffer buffer = Rent();
        try
        {
            for (int done = 0; done < length; done += BufferSize)
            {
                int step = Math.Min(BufferSize, length - done);
                Span<byte> staging = buffer.Span[..step];
                data.Slice(done, step).CopyTo(staging);
                RandomAccess.Write(_handle, staging, position + done);
            }
        }
        finally
        {
            Return(buffer);
        }

        return length;
    }

    public void Dispose() => _handle.Dispose();

    // O_DIRECT's value differs between architectures' ABIs.
    private static int? DirectFlag() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x4000,
        Architecture.Arm64 or Architecture.Arm => 0x10000,
        _ => null,
    };

    private static AlignedBuffer Rent() => Buffers.TryDequeue(out AlignedBuffer buffer) ? buffer : AlignedBuffer.Allocate(BufferSize);

    private static void Return(AlignedBuffer buffer)
    {
        if (Buffers.Count < PooledBuffers)
        {
            Buffers.Enqueue(buffer);
        }
    }

    // DllImport, not LibraryImport: the generated marshalling code needs unsafe blocks, which the
    // repository keeps off; a UTF-8 string and two ints marshal without them.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    /// <summary>A span of <see cref="Alignment"/>-aligned memory inside an array on the pinned heap (never moved by the GC).</summary>
    private readonly record struct AlignedBuffer(byte[] Array, int Offset, int Length)
    {
        public Span<byte> Span => Array.AsSpan(Offset, Length);

        public static AlignedBuffer Allocate(int length)
        {
            byte[] array = GC.AllocateUninitializedArray<byte>(length + Alignment, pinned: true);
            long address = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
            int offset = (int)((Alignment - (address % Alignment)) % Alignment);
            return new AlignedBuffer(array, offset, length);
        }
    }
}
