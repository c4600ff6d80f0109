package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** instances/.trash: where {@code rm} puts instance folders (NAME-UTCTIME), and what comes back out. */
public final class Trash {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern ENTRY = Pattern.compile("([a-z][a-z0-9-]{0,31})-(\\d{8}T\\d{6}Z)(?:-\\d+)?");

    /** A removed instance: its folder in the trash, its name, when it was removed, its size. */
    public record Entry(Path path, String instance, Instant removedAt, long bytes) {}

    private final Fleet fleet;

    public Trash(Fleet fleet) {
        this.fleet = fleet;
    }

    /** Moves an instance folder into the trash; returns where it went. */
    public Path put(String name) {
        Path dir = fleet.instanceDir(name);
        try {
            Files.createDirectories(fleet.trashDir());
            Files.setPosixFilePermissions(fleet.trashDir(), AtomicFiles.PRIVATE_DIR);
            String stamp = STAMP.format(Instant.now());
            Path target = fleet.trashDir().resolve(name + "-" + stamp);
            for (int n = 2; Files.exists(target, LinkOption.NOFOLLOW_LINKS); n++) {
                target = fleet.trashDir().resolve(name + "-" + stamp + "-" + n);
            }
            AtomicFiles.moveDirectory(dir, target);
            return target;
        } catch (IOException e) {
            throw AgentctlException.failed("cannot move " + dir + " to the trash: " + e.getMessage(), e);
        }
    }

    /** Moves a folder that once was instance {@code name}'s into the trash. */
    public Path putAside(Path folder, String name) throws IOException {
        Files.createDirectories(fleet.trashDir());
        Path target = fleet.trashDir().resolve(name + "-" + STAMP.format(Instant.now()));
        for (int n = 2; Files.exists(target, LinkOption.NOFOLLOW_LINKS); n++) {
            target = fleet.trashDir().resolve(name + "-" + STAMP.format(Instant.now()) + "-" + n);
        }
        AtomicFiles.moveDirectory(folder, target);
        return target;
    }

    /** Newest first. */
    public List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(fleet.trashDir(), LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> s = Files.list(fleet.trashDir())) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Matcher m = ENTRY.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Instant at = ZonedDateTime.parse(m.group(2), STAMP).toInstant();
                    out.add(new Entry(p, m.group(1), at, size(p)));
                }
            }
        } catch (IOException e) {
            throw AgentctlException.failed("cannot list " + fleet.trashDir() + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(Entry::removedAt)
                .reversed()
                .thenComparing(e -> e.path().toString()));
        return out;
    }

    /** Deletes trashed folders (all, or those of one instance); returns how many. */
    public int empty(String instance) {
        int n = 0;
        for (Entry e : list()) {
            if (instance == null || instance.equals(e.instance())) {
                AtomicFiles.deleteTree(e.path());
                n++;
            }
        }
        return n;
    }

    /** Puts the newest trashed folder of {@code name} back as instances/NAME. */
    public Entry restore(String name) {
        Validate.name(name);
        if (fleet.exists(name)) {
            throw AgentctlException.badInput(
                    "instance '" + name + "' exists; remove or rename it before restoring" + " another from the trash");
        }
        Entry e = list().stream()
                .filter(x -> x.instance().equals(name))
                .findFirst()
                .orElseThrow(() -> AgentctlException.badInput(
                        "no instance '" + name + "' in the trash (" + fleet.trashDir() + "); see agentctl trash list"));
        try {
            AtomicFiles.moveDirectory(e.path(), fleet.instanceDir(name));
        } catch (IOException ex) {
            throw AgentctlException.failed("cannot move " + e.path() + " back: " + ex.getMessage(), ex);
        }
        return e;
    }

    private static long size(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0; // a tree it cannot walk (too deep for a path): its size is not worth failing the listing for
        }
    }
}
