package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The templates/ and souls/ this agentctl carries in its jar, and {@code agentctl init}. */
public final class Skeleton {
    private static final String BASE = "fleet-skel/";

    private Skeleton() {}

    public static Optional<String> resource(String relative) {
        try (InputStream in = Skeleton.class.getResourceAsStream("/" + BASE + relative)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String required(Fleet fleet, String relative) {
        return fleet.template(relative)
                .orElseThrow(() -> AgentctlException.failed(
                        "template " + relative + " is missing from " + fleet.root() + " and from agentctl itself",
                        null));
    }

    public record InitResult(Path root, String name, List<String> written, boolean instancesExisted) {}

    /**
     * Makes a fleet root: fleet.yaml, templates/, souls/, instances/, .gitignore. Never touches an existing
     * instances/ folder; refuses to overwrite fleet.yaml unless {@code force}.
     */
    public static InitResult init(Path root, boolean force, String name) {
        String fleetName = name != null ? Validate.fleetName(name, "--name") : defaultName(root);
        Path fleetYaml = root.resolve(FleetConfig.FILE);
        if (Files.exists(fleetYaml) && !force) {
            throw AgentctlException.badInput(
                    fleetYaml + " already exists; use --force to overwrite it" + " (instances/ is never touched)");
        }
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw AgentctlException.badInput("'" + root + "' exists and is not a folder");
        }
        if (!force) {
            // a folder of the user's (a git repository, say): init adds to it and never writes over their files
            List<String> there = files().keySet().stream()
                    .filter(f -> Files.exists(root.resolve(f), LinkOption.NOFOLLOW_LINKS))
                    .toList();
            if (!there.isEmpty()) {
                throw AgentctlException.badInput(root.resolve(there.get(0)) + " already exists"
                        + (there.size() > 1 ? " (and " + (there.size() - 1) + " more of init's files)" : "")
                        + "; use --force to overwrite init's templates and souls (instances/ is never touched)");
            }
        }
        List<String> written = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : files().entrySet()) {
            AtomicFiles.write(root.resolve(e.getKey()), e.getValue(), AtomicFiles.PUBLIC_FILE);
            written.add(e.getKey());
        }
        AtomicFiles.write(
                fleetYaml,
                resource("templates/fleet.yaml")
                        .orElseThrow()
                        .replaceFirst("(?m)^name: nanobot$", "name: " + fleetName));
        written.add(FleetConfig.FILE);
        gitignore(root.resolve(".gitignore"));
        written.add(".gitignore");
        Path instances = root.resolve("instances");
        boolean existed = Files.isDirectory(instances);
        try {
            Files.createDirectories(instances);
            if (!existed) {
                Files.createFile(instances.resolve(".gitkeep"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Fleet made = new Fleet(root, FleetConfig.load(fleetYaml));
        made.id(); // this root's own id, from its first day
        try {
            Path lock = made.stateDir().resolve("lock");
            if (!Files.exists(lock)) {
                Files.createFile(lock);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new InitResult(root, fleetName, written, existed);
    }

    /** agentctl's lines in the root's .gitignore: added to the user's own lines, which stay as they were. */
    private static void gitignore(Path file) {
        List<String> ours = List.of(
                "/instances/*", "!/instances/.gitkeep", "/runtime/", "/backups/", "/docker-compose.yml", ".*.tmp");
        String before = "";
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw AgentctlException.badInput(file + " is not a regular file: agentctl's lines cannot go in it");
            }
            try {
                before = Files.readString(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<String> have = before.lines().map(String::strip).toList();
        List<String> missing = ours.stream().filter(l -> !have.contains(l)).toList();
        if (missing.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder(before);
        if (!before.isEmpty()) {
            text.append(before.endsWith("\n") ? "\n" : "\n\n");
        }
        text.append("# agentctl: instance data, secrets, runtime builds and backups stay out of git\n");
        missing.forEach(l -> text.append(l).append('\n'));
        AtomicFiles.write(file, text.toString(), AtomicFiles.PUBLIC_FILE);
    }

    /**
     * A fleet name from the folder's name ("~/My Agents" gives "my-agents"), so two roots made by init never share
     * one by accident; "nanobot" when nothing usable is left.
     */
    static String defaultName(Path root) {
        Path base = root.toAbsolutePath().normalize().getFileName();
        String n = base == null
                ? ""
                : base.toString()
                        .toLowerCase(java.util.Locale.ROOT)
                        .replaceAll("[^a-z0-9-]+", "-")
                        .replaceAll("^[^a-z]+", "")
                        .replaceAll("-+$", "");
        if (n.length() > 32) {
            n = n.substring(0, 32).replaceAll("-+$", "");
        }
        return n.isEmpty() ? "nanobot" : n;
    }

    /** Every file under templates/ and souls/ in the jar (or the classes folder when run from a build). */
    static Map<String, byte[]> files() {
        URL url = Skeleton.class.getResource("/" + BASE + "souls/assistant.md");
        if (url == null) {
            throw AgentctlException.failed("this agentctl was built without its templates (fleet-skel missing)", null);
        }
        Map<String, byte[]> out = new java.util.TreeMap<>();
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
                    collect(fs.getPath("/" + BASE), out);
                }
            } else {
                collect(Path.of(uri).getParent().getParent(), out);
            }
        } catch (IOException | java.net.URISyntaxException e) {
            throw AgentctlException.failed("cannot read agentctl's templates: " + e.getMessage(), e);
        }
        return out;
    }

    private static void collect(Path base, Map<String, byte[]> out) throws IOException {
        try (Stream<Path> walk = Files.walk(base)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                out.put(base.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
    }
}
