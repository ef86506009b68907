using System.Security.Cryptography;
using Cryo.Criu.Images.Protos;
using Google.Protobuf;

namespace Cryo.Criu.Images;

/// <summary>
/// The content hash of every page a checkpoint's images resolve, per pagemap image: what the next increment compares
/// its pages with, so that it never reads this checkpoint's pages again. For an increment the index covers the
/// pages it keeps in its parents too: it describes the memory, not the files.
/// </summary>
/// <remarks>
/// Stored as Cryo's own protobuf message (<c>Images/Protos/page_hash_index.proto</c>, not a CRIU image): for 1 GiB
/// of memory about 8.5 MiB (32 bytes of SHA-256 and ~2 bytes of address per 4 KiB page). Each pagemap's entry
/// carries the SHA-256 of that pagemap image as stored, so an index that no longer matches its images is noticed
/// (<see cref="IncrementalRewriter"/> refuses it) instead of producing an increment that restores wrong memory.
/// </remarks>
public sealed class PageHashIndex
{
    /// <summary>A file name for the index beside (not inside) a checkpoint's images directory.</summary>
    public const string DefaultFileName = "page-hashes.pb";

    /// <summary>The format version <see cref="ToByteArray"/> writes and <see cref="Parse"/> accepts.</summary>
    public const uint FormatVersion = 1;

    private readonly Dictionary<string, PageMapHashes> _pageMaps;

    /// <summary>Creates an index from its per-pagemap lists.</summary>
    /// <param name="algorithm">The page hash (<see cref="IPageHasher.Algorithm"/>).</param>
    /// <param name="pageMaps">One list per pagemap image, file names distinct.</param>
    /// <param name="digestSize">Bytes per page hash (<see cref="IPageHasher.DigestSize"/>).</param>
    public PageHashIndex(string algorithm, int digestSize, IEnumerable<PageMapHashes> pageMaps)
    {
        ArgumentException.ThrowIfNullOrEmpty(algorithm);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(digestSize);
        ArgumentNullException.ThrowIfNull(pageMaps);
        Algorithm = algorithm;
        DigestSize = digestSize;
        _pageMaps = new Dictionary<string, PageMapHashes>(StringComparer.Ordinal);
        foreach (var hashes in pageMaps)
        {
            if (hashes.DigestSize != digestSize)
            {
                throw new ArgumentException($"{hashes.FileName} has {hashes.DigestSize}-byte hashes, not {digestSize}", nameof(pageMaps));
            }
            if (!_pageMaps.TryAdd(hashes.FileName, hashes))
            {
                throw new ArgumentException($"{hashes.FileName} is listed twice", nameof(pageMaps));
            }
        }
    }

    /// <summary>The page hash, e.g. <c>sha256</c>.</summary>
    public string Algorithm { get; }

    /// <summary>Bytes per page hash.</summary>
    public int DigestSize { get; }

    /// <summary>Bytes each hash covers.</summary>
    public static int PageSize => PageMap.PageSize;

    /// <summary>The lists, by pagemap file name.</summary>
    public IReadOnlyDictionary<string, PageMapHashes> PageMaps => _pageMaps;

    /// <summary>Pages listed, over all pagemaps.</summary>
    public long PageCount => _pageMaps.Values.Sum(p => (long)p.Count);

    /// <summary>The list of pagemap <paramref name="fileName"/>, or <c>null</c>.</summary>
    public PageMapHashes? Find(string fileName) => _pageMaps.GetValueOrDefault(fileName);

    /// <summary>
    /// Hashes every page <paramref name="imagesDirectory"/> resolves: its present pages, and for an increment the
    /// pages it keeps in its parents (read through its <c>parent</c> links). Reads every page once: for a fresh full
    /// dump that is the cost of the first index; increments get theirs from <see cref="IncrementalRewriter"/>.
    /// </summary>
    /// <param name="imagesDirectory">A complete images directory.</param>
    /// <param name="hasher">The page hash; <c>null</c> for <see cref="Sha256PageHasher"/>.</param>
    /// <param name="cancellationToken">Checked between batches of pages.</param>
    /// <exception cref="CriuImageFormatException">An image does not decode, a pages image has the wrong size, or a parent run does not resolve.</exception>
    public static PageHashIndex Build(string imagesDirectory, IPageHasher? hasher, CancellationToken cancellationToken) =>
        Build(imagesDirectory, hasher, null, cancellationToken);

    /// <summary>
    /// As <see cref="Build(string, IPageHasher?, CancellationToken)"/>, taking the hashes of present pages from
    /// <paramref name="pageDigests"/> (made while CRIU wrote the pages images) where they cover a pages image exactly,
    /// so that a full dump is indexed without reading it again.
    /// </summary>
    /// <param name="imagesDirectory">A complete images directory.</param>
    /// <param name="hasher">The page hash; <c>null</c> for <see cref="Sha256PageHasher"/>. The digests must be of the same hash.</param>
    /// <param name="pageDigests">Digests of the directory's pages images, by file name; <c>null</c> to read and hash every page.</param>
    /// <param name="cancellationToken">Checked between batches of pages.</param>
    /// <exception cref="CriuImageFormatException">An image does not decode, a pages image has the wrong size, or a parent run does not resolve.</exception>
    public static PageHashIndex Build(string imagesDirectory, IPageHasher? hasher, IReadOnlyCollection<PagesImageDigests>? pageDigests,
        CancellationToken cancellationToken)
    {
        hasher ??= Sha256PageHasher.Instance;
        using var chain = ImageChain.Open(imagesDirectory);
        var reader = new PresentRunReader(hasher);
        var page = new byte[PageMap.PageSize];
        var digest = new byte[hasher.DigestSize];
        var lists = new List<PageMapHashes>();
        foreach (var name in PageMapFileNames(chain.ImagesDirectory))
        {
            var path = Path.Combine(chain.ImagesDirectory, name);
            var bytes = File.ReadAllBytes(path);
            var map = PageMap.Read(new MemoryStream(bytes, writable: false), path);
            var pagesPath = Path.Combine(chain.ImagesDirectory, map.PagesFileName);
            PresentRunReader.CheckLength(map, pagesPath);
            var digests = pageDigests?.FirstOrDefault(d => d.FileName == map.PagesFileName && d.PageCount == map.PresentPageCount
                                                           && d.Algorithm == hasher.Algorithm && d.DigestSize == hasher.DigestSize);
            if (digests is not null && map.InParentPageCount == 0)
            {
                // A full dump's pages image holds the present runs back to back, in address order: its digests, as
                // made while CRIU wrote it, are the list's hashes as they are; only the addresses are spelled out, run by run.
                lists.Add(new PageMapHashes(name, SHA256.HashData(bytes), hasher.DigestSize, map.PresentAddresses(), digests.Bytes));
                continue;
            }
            var builder = new PageMapHashesBuilder(name, hasher.DigestSize, map.ContentPageCount);
#pragma warning disable CA2000 // The using statement disposes it; the analyzer does not follow the conditional.
            using (var pagesFile = map.PresentPageCount > 0 && digests is null ? File.OpenHandle(pagesPath) : null)
#pragma warning restore CA2000
            {
                for (var i = 0; i < map.Runs.Count; i++)
                {
                    var run = map.Runs[i];
                    if (run.IsPresent && digests is not null)
                    {
                        builder.AddRun(run.Address, digests.DigestsOf(map.RunOffset(i) / PageMap.PageSize, (long)run.PageCount));
                    }
                    else if (run.IsPresent)
                    {
                        reader.ReadRun(pagesFile!, pagesPath, map, i, (first, _, digests) =>
                        {
                            for (var p = 0; p < digests.Length / hasher.DigestSize; p++)
                            {
                                builder.Add(first + (ulong)p * PageMap.PageSize, digests.Slice(p * hasher.DigestSize, hasher.DigestSize));
                            }
                        }, cancellationToken);
                    }
                    else if (run.IsInParent)
                    {
                        for (var p = 0UL; p < run.PageCount; p++)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            var address = run.Address + p * PageMap.PageSize;
                            // The run is in this level's map, so asking this level follows it to the parent.
                            chain.ReadPage(name, address, page);
                            hasher.HashPages(page, digest);
                            builder.Add(address, digest);
                        }
                    }
                }
            }
            lists.Add(builder.Build(SHA256.HashData(bytes)));
        }
        return new PageHashIndex(hasher.Algorithm, hasher.DigestSize, lists);
    }

    /// <summary>The pagemap images of a directory (tasks' and shared memory's), in ordinal order.</summary>
    public static IReadOnlyList<string> PageMapFileNames(string imagesDirectory) =>
        Directory.EnumerateFiles(imagesDirectory)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(CriuImageFiles.IsAnyPageMapImage)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The index as bytes (<c>PageHashIndexFile</c>).</summary>
    public byte[] ToByteArray()
    {
        using var bytes = new MemoryStream();
        WriteTo(bytes);
        return bytes.ToArray();
    }

    /// <summary>
    /// Writes the index (<c>PageHashIndexFile</c>, the bytes the generated message would serialize to) to
    /// <paramref name="output"/> as it goes: the hashes straight from the lists, the address deltas computed on the way,
    /// so that an index of many MiB costs one pass over its bytes and no copy of them in memory.
    /// </summary>
    public void WriteTo(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        // Writes of 64 KiB (the address deltas), the hashes in one piece.
        using var coded = new CodedOutputStream(output, 64 * 1024, leaveOpen: true);
        // Fields in number order, defaults (0, empty) left out: as the generated code writes them.
        coded.WriteTag(PageHashIndexFile.VersionFieldNumber, WireFormat.WireType.Varint);
        coded.WriteUInt32(FormatVersion);
        coded.WriteTag(PageHashIndexFile.AlgorithmFieldNumber, WireFormat.WireType.LengthDelimited);
        coded.WriteString(Algorithm);
        coded.WriteTag(PageHashIndexFile.PageSizeFieldNumber, WireFormat.WireType.Varint);
        coded.WriteUInt32((uint)PageSize);
        foreach (var list in _pageMaps.Values.OrderBy(p => p.FileName, StringComparer.Ordinal))
        {
            coded.WriteTag(PageHashIndexFile.PageMapsFieldNumber, WireFormat.WireType.LengthDelimited);
            WriteEntry(coded, list);
        }
        coded.WriteTag(PageHashIndexFile.DigestSizeFieldNumber, WireFormat.WireType.Varint);
        coded.WriteUInt32((uint)DigestSize);
        coded.Flush();
    }

    // One PageMapHashesEntry, length first.
    private static void WriteEntry(CodedOutputStream coded, PageMapHashes list)
    {
        var addresses = list.Addresses;
        var deltasSize = 0;
        var previous = 0UL;
        foreach (var address in addresses)
        {
            deltasSize += CodedOutputStream.ComputeUInt64Size(address - previous);
            previous = address;
        }
        var hashes = list.HashBytes;
        var size = 1 + CodedOutputStream.ComputeStringSize(list.FileName)
                   + 1 + CodedOutputStream.ComputeLengthSize(list.PageMapDigestBytes.Length) + list.PageMapDigestBytes.Length
                   + (deltasSize == 0 ? 0 : 1 + CodedOutputStream.ComputeLengthSize(deltasSize) + deltasSize)
                   + (hashes.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeLengthSize(hashes.Length) + hashes.Length);
        coded.WriteLength(size);
        coded.WriteTag(PageMapHashesEntry.FileNameFieldNumber, WireFormat.WireType.LengthDelimited);
        coded.WriteString(list.FileName);
        if (list.PageMapDigestBytes.Length > 0)
        {
            coded.WriteTag(PageMapHashesEntry.PageMapSha256FieldNumber, WireFormat.WireType.LengthDelimited);
            coded.WriteBytes(UnsafeByteOperations.UnsafeWrap(list.PageMapDigestBytes));
        }
        if (deltasSize > 0)
        {
            coded.WriteTag(PageMapHashesEntry.AddressDeltasFieldNumber, WireFormat.WireType.LengthDelimited);
            coded.WriteLength(deltasSize);
            previous = 0UL;
            foreach (var address in addresses)
            {
                coded.WriteUInt64(address - previous);
                previous = address;
            }
        }
        if (hashes.Length > 0)
        {
            coded.WriteTag(PageMapHashesEntry.HashesFieldNumber, WireFormat.WireType.LengthDelimited);
            // Wrapped, not copied: the hashes go from the list to the stream.
            coded.WriteBytes(UnsafeByteOperations.UnsafeWrap(hashes));
        }
    }

    /// <summary>Reads an index written by <see cref="ToByteArray"/>.</summary>
    /// <exception cref="FormatException">The bytes are not an index of a version this code reads.</exception>
    public static PageHashIndex Parse(ReadOnlySpan<byte> bytes)
    {
        PageHashIndexFile file;
        try
        {
            file = PageHashIndexFile.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"not a page hash index: {e.Message}", e);
        }
        if (file.Version != FormatVersion)
        {
            throw new FormatException($"page hash index version {file.Version}; this code reads version {FormatVersion}");
        }
        if (file.PageSize != PageMap.PageSize || string.IsNullOrEmpty(file.Algorithm) || file.DigestSize is 0 or > 1024)
        {
            throw new FormatException($"page hash index of {file.PageSize}-byte pages hashed with '{file.Algorithm}' " +
                                      $"into {file.DigestSize} bytes; expected {PageMap.PageSize}-byte pages and a named hash");
        }
        var digestSize = (int)file.DigestSize;
        var lists = new List<PageMapHashes>(file.PageMaps.Count);
        foreach (var entry in file.PageMaps)
        {
            var addresses = new ulong[entry.AddressDeltas.Count];
            var previous = 0UL;
            for (var i = 0; i < addresses.Length; i++)
            {
                previous += entry.AddressDeltas[i];
                addresses[i] = previous;
            }
            try
            {
                // The parsed message's hashes as they are (the message is dropped): no copy of an index's bulk.
                lists.Add(new PageMapHashes(entry.FileName, entry.PageMapSha256.ToByteArray(), digestSize, addresses, entry.Hashes.Memory));
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"page hash index entry {entry.FileName}: {e.Message}", e);
            }
        }
        try
        {
            return new PageHashIndex(file.Algorithm, digestSize, lists);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"page hash index: {e.Message}", e);
        }
    }

    /// <summary>Writes the index to <paramref name="path"/> (owner-only), through a temporary file and a rename, flushed to disk.</summary>
    public void Save(string path) => Save(path, flushToDisk: true);

    /// <summary>
    /// Writes the index to <paramref name="path"/> (owner-only), through a temporary file and a rename; flushed to disk
    /// before the rename only when <paramref name="flushToDisk"/> (a caller that syncs the directory it lies in by its
    /// own policy, as the agent's store does at commit, need not pay for an fsync of its own).
    /// </summary>
    public void Save(string path, bool flushToDisk)
    {
        var temporary = path + ".tmp";
        using (var stream = OwnerOnlyFile.Create(temporary, FileMode.Create))
        {
            WriteTo(stream);
            stream.Flush(flushToDisk);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads the index saved at <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file is not an index this code reads.</exception>
    public static PageHashIndex Load(string path) => Parse(File.ReadAllBytes(path));
}
