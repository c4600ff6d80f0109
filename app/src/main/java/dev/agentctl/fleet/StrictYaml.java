package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A YAML mapping read safely (no arbitrary types, bounded aliases and size) that knows the line of every key,
 * so an unknown key or a wrong value is reported with the file and line.
 */
public final class StrictYaml {
    private final String file;
    private final MappingNode node;
    private final String path;

    private StrictYaml(String file, MappingNode node, String path) {
        this.file = file;
        this.node = node;
        this.path = path;
    }

    public static StrictYaml parse(String file, String text) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(20);
        options.setAllowDuplicateKeys(false);
        options.setNestingDepthLimit(20);
        options.setCodePointLimit(1_000_000);
        options.setAllowRecursiveKeys(false);
        Node root;
        try (Reader reader = new StringReader(text)) {
            root = new Yaml(options).compose(reader);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = m == null ? file : file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
            throw AgentctlException.badInput(
                    where + ": invalid YAML: " + firstLine(e.getProblem() != null ? e.getProblem() : e.getMessage()));
        } catch (YAMLException e) {
            throw AgentctlException.badInput(file + ": invalid YAML: " + firstLine(e.getMessage()));
        } catch (java.io.IOException e) {
            throw AgentctlException.badInput(file + ": " + e.getMessage());
        }
        if (root == null) {
            return new StrictYaml(
                    file,
                    new MappingNode(
                            org.yaml.snakeyaml.nodes.Tag.MAP,
                            List.of(),
                            org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK),
                    "");
        }
        if (!(root instanceof MappingNode map)) {
            throw AgentctlException.badInput(at(file, root) + ": expected a mapping of keys at the top level");
        }
        return new StrictYaml(file, map, "");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }

    private static String at(String file, Node n) {
        return n.getStartMark() == null ? file : file + ":" + (n.getStartMark().getLine() + 1);
    }

    /**
     * Fails naming the first key that is not one of {@code allowed}, or that appears twice (compose() does not apply
     * LoaderOptions.allowDuplicateKeys, so duplicates are caught here rather than the first silently winning).
     */
    public StrictYaml allow(String... allowed) {
        Set<String> ok = Set.of(allowed);
        Set<String> seen = new java.util.HashSet<>();
        for (NodeTuple t : node.getValue()) {
            String key = keyOf(t);
            if (!ok.contains(key)) {
                throw AgentctlException.badInput(at(file, t.getKeyNode()) + ": unknown key '" + path + key
                        + "' (known here: " + String.join(", ", allowed) + ")");
            }
            if (!seen.add(key)) {
                throw AgentctlException.badInput(at(file, t.getKeyNode()) + ": key '" + path + key + "' appears twice");
            }
        }
        return this;
    }

    private String keyOf(NodeTuple t) {
        if (t.getKeyNode() instanceof ScalarNode s) {
            return s.getValue();
        }
        throw AgentctlException.badInput(at(file, t.getKeyNode()) + ": keys must be plain strings");
    }

    private Node value(String key) {
        for (NodeTuple t : node.getValue()) {
            if (keyOf(t).equals(key)) {
                Node v = t.getValueNode();
                if (v instanceof ScalarNode s && s.getTag().getValue().endsWith(":null")) {
                    return null;
                }
                return v;
            }
        }
        return null;
    }

    public boolean has(String key) {
        return value(key) != null;
    }

    public StrictYaml map(String key) {
        Node v = value(key);
        if (v == null) {
            return new StrictYaml(
                    file,
                    new MappingNode(
                            org.yaml.snakeyaml.nodes.Tag.MAP,
                            new ArrayList<>(),
                            org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK),
                    path + key + ".");
        }
        if (v instanceof MappingNode m) {
            return new StrictYaml(file, m, path + key + ".");
        }
        throw AgentctlException.badInput(at(file, v) + ": '" + path + key + "' must be a mapping");
    }

    public String string(String key, String fallback) {
        Node v = value(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof ScalarNode s) {
            return s.getValue();
        }
        throw AgentctlException.badInput(at(file, v) + ": '" + path + key + "' must be a single value");
    }

    public int integer(String key, int fallback, int min, int max) {
        String s = string(key, null);
        if (s == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(s.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw AgentctlException.badInput(at(file, value(key)) + ": '" + path + key + "' must be a whole number from "
                + min + " to " + max + ", not '" + s + "'");
    }

    public boolean bool(String key, boolean fallback) {
        String s = string(key, null);
        if (s == null) {
            return fallback;
        }
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default ->
                throw AgentctlException.badInput(
                        at(file, value(key)) + ": '" + path + key + "' must be true or false, not '" + s + "'");
        };
    }

    public List<String> strings(String key) {
        Node v = value(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof SequenceNode seq) {
            List<String> out = new ArrayList<>();
            for (Node item : seq.getValue()) {
                if (!(item instanceof ScalarNode s)) {
                    throw AgentctlException.badInput(
                            at(file, item) + ": '" + path + key + "' must be a list of values");
                }
                out.add(s.getValue());
            }
            return out;
        }
        if (v instanceof ScalarNode s) {
            return List.of(s.getValue());
        }
        throw AgentctlException.badInput(at(file, v) + ": '" + path + key + "' must be a list");
    }

    /** The line of a key, for messages about its value. */
    public String where(String key) {
        Node v = value(key);
        return v == null ? file : at(file, v);
    }

    public Map<String, String> stringMap(String key) {
        StrictYaml m = map(key);
        Map<String, String> out = new LinkedHashMap<>();
        for (NodeTuple t : m.node.getValue()) {
            out.put(m.keyOf(t), m.string(m.keyOf(t), ""));
        }
        return out;
    }
}
