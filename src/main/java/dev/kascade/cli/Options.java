package dev.kascade.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small {@code --name value} / {@code --flag} parser shared by the subcommands. Unknown options are a
 * {@link UsageException} naming the option, so typos never pass silently.
 */
public final class Options {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Options() {
    }

    /**
     * @param valued options that take a value ({@code --context 32768})
     * @param flags  options that take none ({@code --json})
     */
    public static Options parse(List<String> args, Set<String> valued, Set<String> flags) {
        Options o = new Options();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--")) {
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                if (flags.contains(name)) {
                    if (value != null) throw new UsageException(name + ": takes no value");
                    o.values.put(name, "true");
                } else if (valued.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= args.size()) throw new UsageException(name + ": expected a value");
                        value = args.get(++i);
                    }
                    o.values.put(name, value);
                } else {
                    throw new UsageException("unknown option " + name);
                }
            } else {
                o.positional.add(a);
            }
        }
        return o;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String get(String name, String def) {
        return values.getOrDefault(name, def);
    }

    public int getInt(String name, int def) {
        String v = values.get(name);
        if (v == null) return def;
        try {
            return Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected an integer but got '" + v + "'");
        }
    }

    public double getDouble(String name, double def) {
        String v = values.get(name);
        if (v == null) return def;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected a number but got '" + v + "'");
        }
    }

    /** Comma-separated integers ({@code 0,2,8,13,14}). */
    public int[] getIntList(String name, int[] def) {
        String v = values.get(name);
        if (v == null) return def;
        String[] parts = v.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException(name + ": expected comma-separated integers but got '" + v + "'");
            }
        }
        return out;
    }

    public List<String> positional() {
        return List.copyOf(positional);
    }
}
