package dev.agentctl.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code manifest.json} of a backup archive: its first entry (format 2), or its last (format 1, agentctl 0.1).
 *
 * <p>Paths are relative to the instance folder ("." is the folder itself), "/"-separated. Modes are octal
 * strings of the permission bits ("0600"), times ISO-8601 UTC. {@code agentVersion} and {@code sessionLayout} say
 * which nanobot made the data and where it keeps its sessions (null when unknown).
 */
public record Manifest(
        int formatVersion,
        String agentctlVersion,
        String instance,
        Integer port,
        String model,
        String runtimeBuild,
        Instant createdAt,
        String agentVersion,
        String sessionLayout,
        List<FileEntry> files,
        String contents) {

    /** Written by this agentctl: the manifest comes first. */
    public static final int FORMAT_VERSION = 2;
    /** Read too: agentctl 0.1's, manifest last. */
    public static final int FORMAT_V1 = 1;

    public static final String ENTRY_NAME = "manifest.json";
    /** Name of the folder inside the archive that holds the instance's files. */
    public static final String PREFIX = "instance";

    private static final ObjectMapper JSON = new ObjectMapper();

    public Manifest {
        files = List.copyOf(files);
    }

    /** A backup of the whole instance ({@code contents} null). */
    public Manifest(
            int formatVersion,
            String agentctlVersion,
            String instance,
            Integer port,
            String model,
            String runtimeBuild,
            Instant createdAt,
            String agentVersion,
            String sessionLayout,
            List<FileEntry> files) {
        this(
                formatVersion,
                agentctlVersion,
                instance,
                port,
                model,
                runtimeBuild,
                createdAt,
                agentVersion,
                sessionLayout,
                files,
                null);
    }

    /** {@code contents} of an archive of some of an instance's sessions, which {@code restore} refuses. */
    public static final String SESSIONS = "sessions";

    /** Whether this is an archive of sessions ({@code agentctl sessions archive}), not a backup of an instance. */
    public boolean sessionsOnly() {
        return SESSIONS.equals(contents);
    }

    public enum Type {
        FILE("file"),
        DIR("dir"),
        SYMLINK("symlink");

        private final String json;

        Type(String json) {
            this.json = json;
        }

        public String json() {
            return json;
        }

        static Type parse(String s) throws IOException {
            for (Type t : values()) if (t.json.equals(s)) return t;
            throw new IOException("unknown file type '" + s + "'");
        }
    }

    /** One file, folder or symlink. {@code sha256} only for files, {@code target} only for symlinks. */
    public record FileEntry(String path, Type type, long size, int mode, Instant mtime, String sha256, String target) {

        public String modeString() {
            return String.format("%04o", mode);
        }
    }

    /** Entries (files, folders and links) the archive holds. */
    public long entryCount() {
        return files.size();
    }

    /** Bytes of file content the archive holds. */
    public long byteCount() {
        long n = 0;
        for (FileEntry f : files) {
            n += f.size();
        }
        return n;
    }

    public byte[] toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toTree());
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise manifest", e);
        }
    }

    public ObjectNode toTree() {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", formatVersion);
        root.put("agentctlVersion", agentctlVersion);
        root.put("instance", instance);
        if (port == null) root.putNull("port");
        else root.put("port", port);
        root.put("model", model);
        root.put("runtimeBuild", runtimeBuild);
        root.put("createdAt", createdAt.toString());
        if (agentVersion != null) root.put("agentVersion", agentVersion);
        if (sessionLayout != null) root.put("sessionLayout", sessionLayout);
        if (contents != null) root.put("contents", contents);
        root.put("entries", entryCount());
        root.put("bytes", byteCount());
        ArrayNode list = root.putArray("files");
        for (FileEntry f : files) {
            ObjectNode o = list.addObject();
            o.put("path", f.path());
            o.put("type", f.type().json());
            o.put("size", f.size());
            o.put("mode", f.modeString());
            o.put("mtime", f.mtime().toString());
            if (f.sha256() != null) o.put("sha256", f.sha256());
            if (f.target() != null) o.put("target", f.target());
        }
        return root;
    }

    /** Parses and checks a manifest; the message of the exception says what is wrong. */
    public static Manifest parse(byte[] json) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException("manifest.json is not valid JSON: " + firstLine(e.getMessage()));
        }
        return fromTree(root);
    }

    /** Checks and converts a manifest already parsed as a JSON tree (e.g. inside a sidecar file). */
    public static Manifest fromTree(JsonNode root) throws IOException {
        if (root == null || !root.isObject()) throw new IOException("manifest.json is not a JSON object");
        int version = root.path("formatVersion").asInt(-1);
        if (version != FORMAT_VERSION && version != FORMAT_V1) {
            throw new IOException("manifest.json has formatVersion " + root.path("formatVersion") + ", expected "
                    + FORMAT_V1 + " or " + FORMAT_VERSION);
        }
        JsonNode filesNode = root.get("files");
        if (filesNode == null || !filesNode.isArray()) throw new IOException("manifest.json has no files list");
        List<FileEntry> files = new ArrayList<>();
        for (JsonNode f : filesNode) {
            String path = requireText(f, "path");
            Type type = Type.parse(requireText(f, "type"));
            int mode;
            try {
                mode = Integer.parseInt(requireText(f, "mode"), 8);
            } catch (NumberFormatException e) {
                throw new IOException("manifest.json: bad mode for " + path);
            }
            String sha = f.hasNonNull("sha256") ? f.get("sha256").asText() : null;
            String target = f.hasNonNull("target") ? f.get("target").asText() : null;
            if (type == Type.FILE && sha == null) throw new IOException("manifest.json: no sha256 for file " + path);
            if (type == Type.SYMLINK && target == null)
                throw new IOException("manifest.json: no target for symlink " + path);
            long size = f.path("size").asLong(0);
            if (size < 0) throw new IOException("manifest.json: negative size for " + path);
            files.add(new FileEntry(path, type, size, mode, instant(f, "mtime"), sha, target));
        }
        Integer port = root.hasNonNull("port") ? root.get("port").asInt() : null;
        return new Manifest(
                version,
                text(root, "agentctlVersion"),
                requireText(root, "instance"),
                port,
                text(root, "model"),
                text(root, "runtimeBuild"),
                instant(root, "createdAt"),
                text(root, "agentVersion"),
                text(root, "sessionLayout"),
                files,
                text(root, "contents"));
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    private static String requireText(JsonNode n, String field) throws IOException {
        if (!n.hasNonNull(field) || !n.get(field).isTextual())
            throw new IOException("manifest.json: missing field " + field);
        return n.get(field).asText();
    }

    private static Instant instant(JsonNode n, String field) throws IOException {
        String s = requireText(n, field);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new IOException("manifest.json: " + field + " is not an ISO-8601 instant: " + s);
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
