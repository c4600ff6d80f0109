package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;

/** Persona templates: the four agentctl carries (or the fleet's own copies), or a Markdown file of the user's. */
public final class Souls {
    public static final List<String> NAMES = List.of("assistant", "expert", "creative", "custom");
    /** A persona is a page of text, not a disk image. */
    public static final long MAX_BYTES = 256 * 1024;

    /** A soul with its name (as instance.yaml records it) and its text. */
    public record Soul(String name, String text) {}

    private Souls() {}

    public static Soul resolve(Fleet fleet, String nameOrPath) {
        String s = nameOrPath == null ? fleet.config().defaults().soul() : nameOrPath;
        if (NAMES.contains(s)) {
            return new Soul(s, Skeleton.required(fleet, "souls/" + s + ".md"));
        }
        if (s.contains("/") || s.endsWith(".md")) {
            return new Soul("file:" + Path.of(s).getFileName(), readFile(fleet, s));
        }
        throw AgentctlException.badInput(
                "unknown soul '" + s + "': use " + String.join(", ", NAMES) + " or a path to a .md file");
    }

    /**
     * A soul file: a regular file anyone may read (agentctl usually runs as root: it must not become a way to copy
     * /etc/shadow into a container), outside /proc, /dev and /sys and outside the fleet's instance folders (an agent
     * could swap a link in there between the checks and the read), under {@link #MAX_BYTES}, UTF-8 text. The path
     * is resolved once; the file is then checked and read through a handle on its folder, never following a link,
     * so what was checked is what is read.
     */
    static String readFile(Fleet fleet, String given) {
        Path real;
        try {
            real = Path.of(given).toRealPath();
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot read soul file '" + given + "': no such file");
        }
        for (String system : List.of("/proc", "/dev", "/sys")) {
            if (real.startsWith(system)) {
                throw AgentctlException.badInput("refusing soul file '" + given + "': it is under " + system);
            }
        }
        Path instances = fleet.instancesDir().toAbsolutePath().normalize();
        try {
            instances = instances.toRealPath();
        } catch (IOException ignored) {
            // no instances yet: the plain path is the one to compare with
        }
        if (real.startsWith(instances)) {
            throw AgentctlException.badInput("refusing soul file '" + given + "': it is inside an instance folder,"
                    + " which its agent can change; copy it elsewhere first");
        }
        Path folder = real.getParent();
        if (folder == null || folder.getParent() == null) {
            throw AgentctlException.badInput("refusing soul file '" + given + "': not a regular file");
        }
        String name = real.getFileName().toString();
        try (UntrustedDir dir =
                UntrustedDir.open(folder.getParent(), folder.getFileName().toString())) {
            PosixFileAttributes a = dir.stat(name)
                    .orElseThrow(
                            () -> AgentctlException.badInput("cannot read soul file '" + given + "': no such file"));
            if (!a.isRegularFile()) {
                throw AgentctlException.badInput("refusing soul file '" + given + "': not a regular file");
            }
            if (!a.permissions().contains(PosixFilePermission.OTHERS_READ)) {
                throw AgentctlException.badInput("refusing soul file '" + given
                        + "': only readable by its owner or group; a persona must be readable by anyone (chmod o+r)");
            }
            byte[] bytes;
            try {
                bytes = dir.read(name, MAX_BYTES);
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).contains("is larger than")) {
                    throw AgentctlException.badInput(
                            "refusing soul file '" + given + "': larger than " + MAX_BYTES / 1024 + " KiB");
                }
                throw e;
            }
            String text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            if (text.indexOf('\0') >= 0) {
                throw AgentctlException.badInput("refusing soul file '" + given + "': not text");
            }
            return text;
        } catch (CharacterCodingException e) {
            throw AgentctlException.badInput("refusing soul file '" + given + "': not UTF-8 text");
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot read soul file '" + given + "': " + e.getMessage());
        }
    }
}
