package dev.kascade.cache;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writing and reading one Kascade Arrow IPC file (file format, one or more record batches): atomic
 * publication, the kind/version/checksum metadata, and turning every way a file can be bad into a
 * {@link KascadeFileException} that names the file.
 */
final class ArrowFileIO {
    private static final byte[] MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);

    private ArrowFileIO() {
    }

    /** The record batches of a file to write, in file order, as zero-copy batches over the owner's buffers. */
    interface BatchSource {
        /** The allocator whose root owns the batches' buffers (Arrow moves buffers only within one root). */
        BufferAllocator allocator();

        int batches();

        /** Batch {@code index}; the caller closes it (which releases only its references). */
        ArrowRecordBatch batch(int index);
    }

    /** One record batch over columns that the caller keeps (the writer borrows them). */
    static BatchSource single(List<Field> fields, List<FieldVector> vectors, int rows) {
        return new BatchSource() {
            @Override
            public BufferAllocator allocator() {
                return vectors.get(0).getAllocator();
            }

            @Override
            public int batches() {
                return 1;
            }

            @Override
            public ArrowRecordBatch batch(int index) {
                // The root only borrows the vectors: it is not closed, so the owner keeps them.
                return new VectorUnloader(new VectorSchemaRoot(fields, vectors, rows)).getRecordBatch();
            }
        };
    }

    /**
     * How a kind is read: first its metadata and schema, then each batch once for checking (together with the
     * checksum), then the result built from a second pass over the batches. Contents errors are
     * {@link IllegalArgumentException}s; the caller turns them into a {@link KascadeFileException}.
     */
    interface FileBody<T> {
        /**
         * Checks the metadata and schema before any batch is loaded; returns the number of batches expected, or -1
         * when any number is fine (then {@link #build} checks what the batches add up to).
         */
        int expectBatches(Map<String, String> metadata, Schema schema);

        /** Checks batch {@code index}, loaded into {@code root}. */
        void checkBatch(int index, VectorSchemaRoot root);

        /** Builds the result, loading the (checked) batches again through {@code batches}. */
        T build(Batches batches) throws IOException;
    }

    /** Random access to the record batches of an open, checked file. */
    interface Batches {
        /** Loads batch {@code index} into the (reused) root and returns it. */
        VectorSchemaRoot load(int index) throws IOException;
    }

    /**
     * Writes the batches of {@code source}, with {@code metadata} plus the kind, version and checksum keys, to
     * a temporary file beside {@code file}, then moves it into place.
     */
    static void write(Path file, SaveMode mode, String kind, Map<String, String> metadata, List<Field> fields,
                      BatchSource source) throws IOException {
        if (file == null) throw new IllegalArgumentException("file: expected a path but got null");
        if (mode == null) throw new IllegalArgumentException("mode: expected CREATE_NEW or REPLACE but got null");
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(String.valueOf(dir), null, "the folder to save " + file + " in does not exist");
        }
        if (mode == SaveMode.CREATE_NEW && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw alreadyExists(file);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FileMetadata.KIND, kind);
        meta.put(FileMetadata.VERSION, Integer.toString(FileMetadata.FORMAT_VERSION));
        meta.putAll(metadata);

        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try (BufferAllocator allocator = source.allocator().newChildAllocator("write " + target.getFileName(), 0, Long.MAX_VALUE)) {
            // Pass 1: the checksum goes into the schema, which the file starts with.
            CRC32C crc = startChecksum(meta);
            try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields, meta), allocator)) {
                VectorLoader loader = new VectorLoader(root);
                for (int b = 0; b < source.batches(); b++) {
                    try (ArrowRecordBatch batch = source.batch(b)) {
                        loader.load(batch);
                    }
                    updateChecksum(crc, root.getFieldVectors());
                }
            }
            meta.put(FileMetadata.CRC32C, hex(crc));
            // Pass 2: the same zero-copy batches, through the writer.
            setPermissions(tmp, target);
            try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields, meta), allocator);
                 FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
                VectorLoader loader = new VectorLoader(root);
                writer.start();
                for (int b = 0; b < source.batches(); b++) {
                    try (ArrowRecordBatch batch = source.batch(b)) {
                        loader.load(batch);
                    }
                    writer.writeBatch();
                }
                writer.end();
                channel.force(true);
            }
            publish(tmp, target, file, mode);
            syncFolder(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Temporary files are owner-only; the saved file gets the old file's permissions, or rw-r--r--. */
    private static void setPermissions(Path tmp, Path target) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.exists(target)
                    ? Files.getPosixFilePermissions(target)
                    : PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, perms);
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: keep the defaults.
        }
    }

    private static void publish(Path tmp, Path target, Path file, SaveMode mode) throws IOException {
        if (mode == SaveMode.REPLACE) {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return;
        }
        // A hard link is created only if the name is free: no window in which another writer's file is replaced.
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            throw alreadyExists(file);
        } catch (UnsupportedOperationException | IOException e) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw alreadyExists(file);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Makes the new directory entry durable (Linux allows fsync on a folder; elsewhere this is skipped). */
    private static void syncFolder(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort: the file itself was forced before the move.
        }
    }

    private static FileAlreadyExistsException alreadyExists(Path file) {
        return new FileAlreadyExistsException(file.toString(), null,
                "refusing to overwrite an existing file; save with SaveMode.REPLACE to replace it");
    }

    /**
     * Opens {@code file}, checks that it is an Arrow IPC file of {@code kind} at this format version, lets
     * {@code body} check its schema and every batch while the checksum (when recorded) is verified, and then
     * lets it build the result. Any failure, including an {@link IllegalArgumentException} from {@code body},
     * becomes a {@link KascadeFileException}; a {@link MismatchedTargetException} passes through.
     */
    static <T> T read(Path file, String kind, BufferAllocator parent, FileBody<T> body) throws IOException {
        if (file == null) throw new IllegalArgumentException("file: expected a path but got null");
        if (parent == null) throw new IllegalArgumentException("allocator: expected a BufferAllocator but got null");
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file to load");
        }
        long size = Files.size(file);
        checkMagic(file, size);
        // A corrupt length field cannot make the reader allocate more than a small multiple of the file.
        long limit = Math.addExact(Math.multiplyExact(size, 2), 1 << 20);
        try (BufferAllocator allocator = parent.newChildAllocator("read " + file.getFileName(), 0, limit);
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
            VectorSchemaRoot root;
            List<ArrowBlock> blocks;
            try {
                root = reader.getVectorSchemaRoot();
                blocks = reader.getRecordBlocks();
            } catch (IOException | RuntimeException e) {
                throw new KascadeFileException(file, "corrupt Arrow IPC file: cannot read its schema and footer ("
                        + e.getMessage() + ")", e);
            }
            Map<String, String> meta = root.getSchema().getCustomMetadata();
            checkKind(file, kind, meta);
            for (ArrowBlock block : blocks) {
                long end = block.getOffset() + block.getMetadataLength() + block.getBodyLength();
                if (block.getOffset() < MAGIC.length || block.getMetadataLength() < 0 || block.getBodyLength() < 0 || end > size) {
                    throw new KascadeFileException(file, "truncated or corrupt: a record batch at byte " + block.getOffset()
                            + " ends at byte " + end + " but the file has " + size + " bytes");
                }
            }
            Batches batches = index -> {
                try {
                    reader.loadRecordBatch(blocks.get(index));
                } catch (IOException | RuntimeException e) {
                    throw new KascadeFileException(file, "truncated or corrupt record batch " + index + " (" + e.getMessage() + ")", e);
                }
                return root;
            };
            try {
                int expected = body.expectBatches(meta, root.getSchema());
                if (expected >= 0 && blocks.size() != expected) {
                    throw new KascadeFileException(file, "holds " + blocks.size() + " record batches, expected " + expected);
                }
                String stored = meta.get(FileMetadata.CRC32C);
                CRC32C crc = startChecksum(meta);
                for (int b = 0; b < blocks.size(); b++) {
                    batches.load(b);
                    if (stored != null) updateChecksum(crc, root.getFieldVectors());
                    body.checkBatch(b, root);
                }
                if (stored != null && !stored.equalsIgnoreCase(hex(crc))) {
                    throw new KascadeFileException(file, "corrupt: checksum " + FileMetadata.CRC32C + " is " + hex(crc)
                            + " but the file records " + stored);
                }
                return body.build(batches);
            } catch (MismatchedTargetException e) {
                throw e;
            } catch (IllegalArgumentException | IllegalStateException | ClassCastException | IndexOutOfBoundsException e) {
                throw new KascadeFileException(file, e.getMessage(), e);
            }
        } catch (KascadeFileException | NoSuchFileException | MismatchedTargetException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new KascadeFileException(file, "corrupt Arrow IPC file (" + e + ")", e);
        }
    }

    /**
     * The schema-level custom metadata of an Arrow IPC file, without loading its data (empty for an Arrow
     * file without metadata).
     */
    static Map<String, String> readMetadata(Path file) throws IOException {
        if (file == null) throw new IllegalArgumentException("file: expected a path but got null");
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such file to read");
        long size = Files.size(file);
        checkMagic(file, size);
        try (BufferAllocator allocator = new org.apache.arrow.memory.RootAllocator(Math.addExact(size * 2, 1 << 20));
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
            Map<String, String> meta = reader.getVectorSchemaRoot().getSchema().getCustomMetadata();
            return meta == null ? Map.of() : Map.copyOf(meta);
        } catch (IOException | RuntimeException e) {
            throw new KascadeFileException(file, "corrupt Arrow IPC file: cannot read its schema and footer ("
                    + e.getMessage() + ")", e);
        }
    }

    /** The Arrow IPC file format starts and ends with "ARROW1"; tell a foreign file from a truncated one. */
    private static void checkMagic(Path file, long size) throws IOException {
        byte[] head = new byte[MAGIC.length];
        byte[] tail = new byte[MAGIC.length];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            int n = channel.read(ByteBuffer.wrap(head), 0);
            if (n < MAGIC.length || !java.util.Arrays.equals(head, MAGIC)) {
                throw new KascadeFileException(file, "not an Arrow IPC file (it does not start with the ARROW1 magic"
                        + "; " + size + " bytes)");
            }
            // Smallest valid file: magic + padding (8) + footer length (4) + magic (6).
            if (size < 18 || channel.read(ByteBuffer.wrap(tail), size - MAGIC.length) < MAGIC.length
                    || !java.util.Arrays.equals(tail, MAGIC)) {
                throw new KascadeFileException(file, "truncated or corrupt Arrow IPC file: no ARROW1 magic at the end ("
                        + size + " bytes; was the save interrupted?)");
            }
        }
    }

    private static void checkKind(Path file, String kind, Map<String, String> meta) throws KascadeFileException {
        String found = meta == null ? null : meta.get(FileMetadata.KIND);
        if (found == null) {
            throw new KascadeFileException(file, "an Arrow file but not a Kascade file: the schema metadata has no '"
                    + FileMetadata.KIND + "' (expected " + kind + ")");
        }
        if (!found.equals(kind)) {
            throw new KascadeFileException(file, "holds a Kascade '" + found + "' file, expected '" + kind + "'");
        }
        String version = meta.get(FileMetadata.VERSION);
        if (!Integer.toString(FileMetadata.FORMAT_VERSION).equals(version)) {
            throw new KascadeFileException(file, "Kascade " + kind + " format version " + version
                    + " is not supported; this build reads version " + FileMetadata.FORMAT_VERSION);
        }
    }

    /**
     * The checksum is CRC-32C over the metadata (sorted, without the checksum key) and then, batch after batch,
     * each column's value bytes in schema order (list children included; for booleans the packed bits).
     */
    private static CRC32C startChecksum(Map<String, String> meta) {
        CRC32C crc = new CRC32C();
        for (Map.Entry<String, String> e : new TreeMap<>(meta).entrySet()) {
            if (e.getKey().equals(FileMetadata.CRC32C)) continue;
            crc.update((e.getKey() + '=' + e.getValue() + '\n').getBytes(StandardCharsets.UTF_8));
        }
        return crc;
    }

    private static void updateChecksum(CRC32C crc, List<FieldVector> vectors) {
        for (FieldVector v : vectors) updateValues(crc, v);
    }

    private static String hex(CRC32C crc) {
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }

    private static void updateValues(CRC32C crc, FieldVector vector) {
        if (vector instanceof FixedSizeListVector list) {
            updateValues(crc, list.getDataVector());
            return;
        }
        if (!(vector instanceof BaseFixedWidthVector fixed)) {
            throw new IllegalArgumentException("column '" + vector.getName() + "': expected fixed-width values but got "
                    + vector.getField().getType());
        }
        long count = vector.getValueCount();
        long bytes = vector instanceof BitVector ? (count + 7) / 8 : count * fixed.getTypeWidth();
        MemorySegment segment = ArrowColumns.segment(fixed.getDataBuffer(), bytes, null);
        for (long off = 0; off < bytes; off += 1 << 30) {
            long n = Math.min(1 << 30, bytes - off);
            crc.update(segment.asSlice(off, n).asByteBuffer());
        }
    }
}
