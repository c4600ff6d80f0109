package dev.agentctl.backup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Compares what a manifest promises with what an archive (or a restored folder) actually holds. */
final class ManifestCheck {

    private ManifestCheck() {}

    /**
     * @param actual       path -> what was found (sha256 computed from the bytes actually read)
     * @param compareMtime false for restored folders, whose folder mtimes a file system may round
     * @return one line per problem, in manifest order then extras
     */
    static List<String> compare(Manifest manifest, Map<String, Manifest.FileEntry> actual, boolean compareMtime) {
        List<String> problems = new ArrayList<>();
        Map<String, Manifest.FileEntry> expected = new LinkedHashMap<>();
        for (Manifest.FileEntry f : manifest.files()) {
            if (expected.put(f.path(), f) != null) problems.add("manifest lists " + f.path() + " twice");
        }
        for (Manifest.FileEntry want : expected.values()) {
            Manifest.FileEntry got = actual.get(want.path());
            String p = want.path();
            if (got == null) {
                problems.add("missing: " + p + " (listed in the manifest)");
                continue;
            }
            if (got.type() != want.type()) {
                problems.add("type mismatch: " + p + " is a " + got.type().json() + ", manifest says "
                        + want.type().json());
                continue;
            }
            if (want.type() == Manifest.Type.FILE && got.size() != want.size()) {
                problems.add("size mismatch: " + p + " has " + got.size() + " bytes, manifest says " + want.size());
            }
            if (want.type() != Manifest.Type.SYMLINK && got.mode() != want.mode()) {
                problems.add(
                        "mode mismatch: " + p + " is " + got.modeString() + ", manifest says " + want.modeString());
            }
            if (want.type() == Manifest.Type.FILE && !Objects.equals(got.sha256(), want.sha256())) {
                problems.add(
                        "checksum mismatch: " + p + " has sha256 " + got.sha256() + ", manifest says " + want.sha256());
            }
            if (want.type() == Manifest.Type.SYMLINK && !Objects.equals(got.target(), want.target())) {
                problems.add(
                        "symlink target mismatch: " + p + " -> " + got.target() + ", manifest says " + want.target());
            }
            if (compareMtime && !Objects.equals(got.mtime(), want.mtime())) {
                problems.add("mtime mismatch: " + p + " is " + got.mtime() + ", manifest says " + want.mtime());
            }
        }
        for (String p : actual.keySet()) {
            if (!expected.containsKey(p)) problems.add("not in the manifest: " + p);
        }
        return problems;
    }
}
