package dev.kascade.planning.traces;

import dev.kascade.tensor.DType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The Arrow IPC layout of calibration trace files (documented for exporters in docs/calibration.md).
 *
 * <p>One record batch per (prompt, layer), prompts contiguous and layers in forward order, one row per
 * token position. Columns: {@code prompt}, {@code layer}, {@code position} (int32), {@code decode} (bool,
 * true on generated tokens, a suffix of the prompt), and the tensors as fixed-size lists of float32 or
 * float16: {@code queries [Hq*d]}, {@code keys [G*d]}, {@code residual [hidden]}, {@code attn_out [hidden]}.
 * The schema's custom metadata carries the shape ({@code kascade.*} keys below).
 */
public final class TraceFormat {
    public static final String KIND = "kascade.kind";
    public static final String KIND_TRACES = "traces";
    public static final String VERSION = "kascade.version";
    public static final String CURRENT_VERSION = "1";
    public static final String LAYERS = "kascade.layers";
    public static final String Q_HEADS = "kascade.q_heads";
    public static final String KV_HEADS = "kascade.kv_heads";
    public static final String HEAD_DIM = "kascade.head_dim";
    public static final String HIDDEN = "kascade.hidden";
    public static final String DTYPE = "kascade.dtype";
    public static final String SOURCE = "kascade.source";

    public static final String COL_PROMPT = "prompt";
    public static final String COL_LAYER = "layer";
    public static final String COL_POSITION = "position";
    public static final String COL_DECODE = "decode";
    public static final String COL_QUERIES = "queries";
    public static final String COL_KEYS = "keys";
    public static final String COL_RESIDUAL = "residual";
    public static final String COL_ATTN_OUT = "attn_out";

    private TraceFormat() {
    }

    /** The schema of a trace file with this header. */
    public static Schema schema(TraceHeader h) {
        ArrowType element = new ArrowType.FloatingPoint(
                h.storage() == DType.F16 ? FloatingPointPrecision.HALF : FloatingPointPrecision.SINGLE);
        ArrowType int32 = new ArrowType.Int(32, true);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(KIND, KIND_TRACES);
        meta.put(VERSION, CURRENT_VERSION);
        meta.put(LAYERS, Integer.toString(h.layers()));
        meta.put(Q_HEADS, Integer.toString(h.qHeads()));
        meta.put(KV_HEADS, Integer.toString(h.kvHeads()));
        meta.put(HEAD_DIM, Integer.toString(h.headDim()));
        meta.put(HIDDEN, Integer.toString(h.hidden()));
        meta.put(DTYPE, h.storage() == DType.F16 ? "float16" : "float32");
        meta.put(SOURCE, h.source());
        return new Schema(List.of(
                new Field(COL_PROMPT, FieldType.notNullable(int32), null),
                new Field(COL_LAYER, FieldType.notNullable(int32), null),
                new Field(COL_POSITION, FieldType.notNullable(int32), null),
                new Field(COL_DECODE, FieldType.notNullable(ArrowType.Bool.INSTANCE), null),
                tensor(COL_QUERIES, h.qHeads() * h.headDim(), element),
                tensor(COL_KEYS, h.kvHeads() * h.headDim(), element),
                tensor(COL_RESIDUAL, h.hidden(), element),
                tensor(COL_ATTN_OUT, h.hidden(), element)), meta);
    }

    private static Field tensor(String name, int size, ArrowType element) {
        Field item = new Field("item", FieldType.notNullable(element), null);
        return new Field(name, FieldType.notNullable(new ArrowType.FixedSizeList(size)), List.of(item));
    }

    /**
     * Reads the header from a schema, checking that it is a Kascade trace schema.
     *
     * @param what names the file in error messages
     * @throws IllegalArgumentException naming the missing or inconsistent key or column
     */
    public static TraceHeader header(Schema schema, String what) {
        Map<String, String> meta = schema.getCustomMetadata();
        if (meta == null || !KIND_TRACES.equals(meta.get(KIND))) {
            throw new IllegalArgumentException(what + ": not a Kascade trace file (schema metadata " + KIND + " = "
                    + (meta == null ? null : meta.get(KIND)) + ", expected '" + KIND_TRACES + "')");
        }
        String version = meta.get(VERSION);
        if (version != null && !CURRENT_VERSION.equals(version)) {
            throw new IllegalArgumentException(what + ": trace format version " + version + " is not supported (expected "
                    + CURRENT_VERSION + ")");
        }
        int layers = intKey(meta, LAYERS, what);
        int qHeads = intKey(meta, Q_HEADS, what);
        int kvHeads = intKey(meta, KV_HEADS, what);
        int headDim = intKey(meta, HEAD_DIM, what);
        int hidden = intKey(meta, HIDDEN, what);
        DType storage = null;
        for (String col : List.of(COL_QUERIES, COL_KEYS, COL_RESIDUAL, COL_ATTN_OUT)) {
            DType d = tensorType(schema, col, what);
            if (storage != null && d != storage) {
                throw new IllegalArgumentException(what + ": column " + col + " holds " + d.label() + " but earlier columns "
                        + storage.label() + "; all tensor columns must share one element type");
            }
            storage = d;
        }
        for (String col : List.of(COL_PROMPT, COL_LAYER, COL_POSITION)) {
            Field f = field(schema, col, what);
            if (!(f.getType() instanceof ArrowType.Int i) || i.getBitWidth() != 32) {
                throw new IllegalArgumentException(what + ": column " + col + " must be int32 but is " + f.getType());
            }
        }
        if (!(field(schema, COL_DECODE, what).getType() instanceof ArrowType.Bool)) {
            throw new IllegalArgumentException(what + ": column " + COL_DECODE + " must be bool");
        }
        TraceHeader h;
        try {
            h = new TraceHeader(layers, qHeads, kvHeads, headDim, hidden, storage, meta.getOrDefault(SOURCE, ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": bad shape metadata: " + e.getMessage(), e);
        }
        requireListSize(schema, COL_QUERIES, (long) qHeads * headDim, "q_heads * head_dim", what);
        requireListSize(schema, COL_KEYS, (long) kvHeads * headDim, "kv_heads * head_dim", what);
        requireListSize(schema, COL_RESIDUAL, hidden, "hidden", what);
        requireListSize(schema, COL_ATTN_OUT, hidden, "hidden", what);
        return h;
    }

    private static Field field(Schema schema, String col, String what) {
        for (Field f : schema.getFields()) {
            if (f.getName().equals(col)) return f;
        }
        throw new IllegalArgumentException(what + ": missing column '" + col + "'");
    }

    private static DType tensorType(Schema schema, String col, String what) {
        Field f = field(schema, col, what);
        if (!(f.getType() instanceof ArrowType.FixedSizeList) || f.getChildren().size() != 1) {
            throw new IllegalArgumentException(what + ": column " + col + " must be a fixed-size list of float32 or float16 but is "
                    + f.getType());
        }
        if (f.getChildren().get(0).getType() instanceof ArrowType.FloatingPoint fp) {
            if (fp.getPrecision() == FloatingPointPrecision.SINGLE) return DType.F32;
            if (fp.getPrecision() == FloatingPointPrecision.HALF) return DType.F16;
        }
        throw new IllegalArgumentException(what + ": column " + col + " must hold float32 or float16 but holds "
                + f.getChildren().get(0).getType());
    }

    private static void requireListSize(Schema schema, String col, long expected, String formula, String what) {
        int size = ((ArrowType.FixedSizeList) field(schema, col, what).getType()).getListSize();
        if (size != expected) {
            throw new IllegalArgumentException(what + ": column " + col + " has lists of " + size + " but the metadata says "
                    + formula + " = " + expected);
        }
    }

    private static int intKey(Map<String, String> meta, String key, String what) {
        String v = meta.get(key);
        if (v == null) throw new IllegalArgumentException(what + ": schema metadata lacks " + key);
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": schema metadata " + key + " = '" + v + "' is not an integer");
        }
    }
}
