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
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writing and reading one Kascade Arrow IPC file (file format, one record batch): atomic publication,
 * the kind/version/checksum metadata, and turning every way a file can be bad into a
 * {@link KascadeFileException} that names the file.
 */
final class ArrowFileIO {
    private static final byte[] MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);

    private ArrowFileIO() {
    }

    /** Reads the columns of a validated file; may throw {@link IllegalArgumentException} for bad contents. */
    @FunctionalInterface
    interface BatchReader<T> {
        T read(VectorSchemaRoot root, Map<String, String> metadata) throws IOException;
    }

    /**
     * Writes {@code vectors} (all of {@code rows} rows) as one record batch, with {@code metadata} plus the
     * kind, version and checksum keys, to a temporary file beside {@code file}, then moves it into place.
     */
    static void write(Path file, SaveMode mode, String kind, Map<String, String> metadata, List<Field> fields,
                      List<FieldVector> vectors, int rows) throws IOException {
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
        meta.put(FileMetadata.CRC32C, checksum(meta, vectors));
        Schema schema = new Schema(fields, meta);

        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            setPermissions(tmp, target);
            // The root only borrows the vectors: it is not closed, so the owner keeps them.
            VectorSchemaRoot root = new VectorSchemaRoot(schema, vectors, rows);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
                writer.start();
                writer.writeBatch();
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
     * Opens {@code file}, checks that it is an Arrow IPC file of {@code kind} at this format version holding one
     * record batch, verifies the checksum when present, and hands the loaded batch to {@code body}. Any failure,
     * including an {@link IllegalArgumentException} from {@code body}, becomes a {@link KascadeFileException}.
     */
    static <T> T read(Path file, String kind, BufferAllocator parent, BatchReader<T> body) throws IOException {
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
            if (blocks.size() != 1) {
                throw new KascadeFileException(file, "holds " + blocks.size() + " record batches, expected exactly 1");
            }
            ArrowBlock block = blocks.get(0);
            long end = block.getOffset() + block.getMetadataLength() + block.getBodyLength();
            if (block.getOffset() < MAGIC.length || block.getMetadataLength() < 0 || block.getBodyLength() < 0 || end > size) {
                throw new KascadeFileException(file, "truncated or corrupt: the record batch at byte " + block.getOffset()
                        + " ends at byte " + end + " but the file has " + size + " bytes");
            }
            try {
                reader.loadRecordBatch(block);
            } catch (IOException | RuntimeException e) {
                throw new KascadeFileException(file, "truncated or corrupt record batch (" + e.getMessage() + ")", e);
            }
            String stored = meta.get(FileMetadata.CRC32C);
            if (stored != null) {
                String actual = checksum(meta, root.getFieldVectors());
                if (!stored.equalsIgnoreCase(actual)) {
                    throw new KascadeFileException(file, "corrupt: checksum " + FileMetadata.CRC32C + " is " + actual
                            + " but the file records " + stored);
                }
            }
            try {
                return body.read(root, meta);
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
     * CRC-32C over the metadata (sorted, without the checksum key) and then each column's value bytes in
     * schema order (list children included; for booleans the packed bits), as 8 hex digits.
     */
    static String checksum(Map<String, String> meta, List<FieldVector> vectors) {
        CRC32C crc = new CRC32C();
        for (Map.Entry<String, String> e : new TreeMap<>(meta).entrySet()) {
            if (e.getKey().equals(FileMetadata.CRC32C)) continue;
            crc.update((e.getKey() + '=' + e.getValue() + '\n').getBytes(StandardCharsets.UTF_8));
        }
        for (FieldVector v : vectors) updateValues(crc, v);
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
