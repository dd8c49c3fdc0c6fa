package dev.kascade.runtime;

import dev.kascade.ptx.PtxCompiler;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxParam;
import dev.kascade.ptx.PtxTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Compiled PTX modules, cached in memory per (kernel, constants, target) and on disk under
 * {@code <dir>/<sha256>.ptx}. The hash covers the bytes of the kernel's class and of every project class
 * ({@code dev.kascade.*}) it refers to, directly or through those (so the helpers a kernel inlines from other
 * classes), the method's name and descriptor, the constants, the target and a fingerprint of the compiler's own
 * classes, so editing a kernel, a helper it calls or the compiler misses the cache.
 *
 * <p>A disk entry is PTX text headed by {@code // kascade.*} comment lines holding the entry name, static
 * shared bytes and parameters, so the file still assembles with {@code ptxas} as it is.
 */
public final class ModuleCache {
    private static final String MAGIC = "// kascade-module v1";
    private static volatile ModuleCache shared;

    private final KernelCompiler compiler;
    private final Path dir;
    private final Map<Key, PtxModule> memory = new ConcurrentHashMap<>();
    private final AtomicInteger compilations = new AtomicInteger();
    private final AtomicInteger diskHits = new AtomicInteger();
    private volatile boolean diskWarned;

    /**
     * @param compiler what compiles on a miss
     * @param dir      disk cache directory, or null for memory only
     */
    public ModuleCache(KernelCompiler compiler, Path dir) {
        this.compiler = compiler;
        this.dir = dir;
    }

    /** The process-wide cache: the Java-to-PTX compiler and the directory from {@link CudaConfig}. */
    public static ModuleCache shared() {
        ModuleCache c = shared;
        if (c == null) {
            synchronized (ModuleCache.class) {
                if (shared == null) shared = new ModuleCache(KernelCompiler.javaToPtx(), CudaConfig.get().ptxCacheDir());
                c = shared;
            }
        }
        return c;
    }

    /** Memory-cache key; constants are held sorted by name so their order does not matter. */
    public record Key(Method kernel, Map<String, Object> constants, PtxTarget target) {
        public Key {
            constants = new TreeMap<>(constants);
        }
    }

    /** The module for {@code kernel} with {@code constants} on {@code target}: from memory, disk, or compiled. */
    public PtxModule get(Method kernel, Map<String, Object> constants, PtxTarget target) {
        Key key = new Key(kernel, constants, target);
        return memory.computeIfAbsent(key, this::load);
    }

    private PtxModule load(Key key) {
        Path file = dir == null ? null : dir.resolve(diskKey(key.kernel(), key.constants(), key.target()) + ".ptx");
        if (file != null && Files.isRegularFile(file)) {
            try {
                PtxModule m = decode(Files.readString(file), key.target());
                if (m != null) {
                    diskHits.incrementAndGet();
                    return m;
                }
            } catch (IOException e) {
                warn("cannot read " + file + ": " + e.getMessage());
            }
        }
        PtxModule m = compiler.compile(key.kernel(), key.constants(), key.target());
        compilations.incrementAndGet();
        if (file != null) store(file, m);
        return m;
    }

    /** Times the compiler ran (misses of both caches). */
    public int compilations() {
        return compilations.get();
    }

    /** Times a module came from disk. */
    public int diskHits() {
        return diskHits.get();
    }

    public Path directory() {
        return dir;
    }

    // ---------------------------------------------------------------- keys

    /** The hex SHA-256 naming the disk entry of (kernel, constants, target). */
    public static String diskKey(Method kernel, Map<String, Object> constants, PtxTarget target) {
        MessageDigest sha = sha256();
        Class<?> owner = kernel.getDeclaringClass();
        for (Map.Entry<String, byte[]> c : referencedProjectClasses(owner).entrySet()) {
            sha.update((c.getKey() + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update(c.getValue());
        }
        sha.update((owner.getName() + "#" + kernel.getName() + descriptor(kernel) + "\n").getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, Object> e : new TreeMap<>(constants).entrySet()) {
            Object v = e.getValue();
            String t = v == null ? "null" : v.getClass().getSimpleName();
            sha.update((e.getKey() + "=" + t + ":" + v + "\n").getBytes(StandardCharsets.UTF_8));
        }
        sha.update(("target=" + target.ptxName() + "\n").getBytes(StandardCharsets.UTF_8));
        sha.update(CompilerFingerprint.VALUE);
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String descriptor(Method m) {
        StringBuilder sb = new StringBuilder("(");
        for (Class<?> p : m.getParameterTypes()) sb.append(p.descriptorString());
        return sb.append(')').append(m.getReturnType().descriptorString()).toString();
    }

    /** Internal names of the classes whose bytes key a kernel's disk entry: the project's own. */
    private static final String PROJECT_PREFIX = "dev/kascade/";

    /**
     * The class files of {@code owner} and of every {@code dev.kascade} class reachable from it through the class
     * entries of the constant pools (the classes a kernel calls into, their superclasses, ...), by internal name.
     */
    static SortedMap<String, byte[]> referencedProjectClasses(Class<?> owner) {
        SortedMap<String, byte[]> found = new TreeMap<>();
        ArrayDeque<String> todo = new ArrayDeque<>();
        todo.add(owner.getName().replace('.', '/'));
        while (!todo.isEmpty()) {
            String name = todo.poll();
            if (found.containsKey(name)) continue;
            byte[] bytes = classBytes(owner, name);
            found.put(name, bytes);
            for (PoolEntry e : ClassFile.of().parse(bytes).constantPool()) {
                if (e instanceof ClassEntry ce) {
                    String ref = ce.asInternalName();
                    if (ref.startsWith(PROJECT_PREFIX) && !found.containsKey(ref)) todo.add(ref);
                }
            }
        }
        return found;
    }

    /** The class file of {@code internalName}, through {@code anchor}'s class loader. */
    private static byte[] classBytes(Class<?> anchor, String internalName) {
        try (InputStream in = anchor.getResourceAsStream("/" + internalName + ".class")) {
            if (in == null) throw new IllegalStateException("cannot read the class file of " + internalName);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A hash of every class file of the compiler package ({@code dev.kascade.ptx} and below), computed once. */
    private static final class CompilerFingerprint {
        static final byte[] VALUE = compute();

        private static byte[] compute() {
            MessageDigest sha = sha256();
            String pkg = PtxCompiler.class.getPackageName().replace('.', '/') + "/";
            try {
                Path root = Path.of(PtxCompiler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                if (Files.isDirectory(root)) {
                    try (Stream<Path> files = Files.walk(root.resolve(pkg))) {
                        for (Path f : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                            sha.update(root.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                            sha.update(Files.readAllBytes(f));
                        }
                    }
                } else {
                    try (ZipFile jar = new ZipFile(root.toFile())) {
                        List<ZipEntry> entries = new ArrayList<>(jar.stream()
                                .filter(e -> e.getName().startsWith(pkg) && e.getName().endsWith(".class")).toList());
                        entries.sort((a, b) -> a.getName().compareTo(b.getName()));
                        for (ZipEntry e : entries) {
                            sha.update(e.getName().getBytes(StandardCharsets.UTF_8));
                            try (InputStream in = jar.getInputStream(e)) {
                                sha.update(in.readAllBytes());
                            }
                        }
                    }
                }
            } catch (IOException | URISyntaxException | RuntimeException e) {
                // Unknown layout: fall back to the facade class alone.
                sha.update(classBytes(PtxCompiler.class, PtxCompiler.class.getName().replace('.', '/')));
            }
            return sha.digest();
        }
    }

    // ---------------------------------------------------------------- disk format

    static String encode(PtxModule m) {
        StringBuilder sb = new StringBuilder(MAGIC).append('\n');
        sb.append("// kascade.entry ").append(m.entryName()).append('\n');
        sb.append("// kascade.static-shared ").append(m.staticSharedBytes()).append('\n');
        for (PtxParam p : m.params()) {
            sb.append("// kascade.param ").append(p.javaIndex()).append(' ').append(p.name()).append(' ')
                    .append(p.kind().name()).append('\n');
        }
        sb.append("// kascade.end\n");
        return sb.append(m.ptx()).toString();
    }

    /** The module in {@code text}, or null when it is not a well-formed cache entry. */
    static PtxModule decode(String text, PtxTarget target) {
        if (!text.startsWith(MAGIC + "\n")) return null;
        String entry = null;
        int statics = -1;
        List<PtxParam> params = new ArrayList<>();
        int pos = MAGIC.length() + 1;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            if (nl < 0) return null;
            String line = text.substring(pos, nl);
            pos = nl + 1;
            if (line.equals("// kascade.end")) {
                if (entry == null || statics < 0) return null;
                return new PtxModule(entry, text.substring(pos), target, List.copyOf(params), statics);
            }
            String[] w = line.split(" ");
            try {
                switch (w.length >= 3 ? w[1] : "") {
                    case "kascade.entry" -> entry = w[2];
                    case "kascade.static-shared" -> statics = Integer.parseInt(w[2]);
                    case "kascade.param" -> params.add(new PtxParam(Integer.parseInt(w[2]), w[3], PtxParam.Kind.valueOf(w[4])));
                    default -> {
                        return null;
                    }
                }
            } catch (RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    private void store(Path file, PtxModule m) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "tmp-", ".ptx");
            Files.writeString(tmp, encode(m));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            warn("cannot write the PTX cache entry " + file + " (" + e.getMessage() + "); continuing without it");
        }
    }

    private void warn(String message) {
        if (!diskWarned) {
            diskWarned = true;
            System.err.println("kascade: " + message);
        }
    }
}
