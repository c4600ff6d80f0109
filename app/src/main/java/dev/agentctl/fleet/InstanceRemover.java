package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Takes an instance's folder away: into instances/.trash/NAME-UTCTIME, or deleted with purge. */
public final class InstanceRemover {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private InstanceRemover() {}

    /** Returns where the folder went (null when purged). */
    public static Path remove(Fleet fleet, String name, boolean purge) {
        Path dir = fleet.instanceDir(name);
        try {
            Path trash = fleet.instancesDir().resolve(".trash");
            Files.createDirectories(trash);
            Path target =
                    trash.resolve(name + "-" + ZonedDateTime.now(ZoneOffset.UTC).format(STAMP));
            for (int n = 2; Files.exists(target); n++) {
                target = trash.resolve(
                        name + "-" + ZonedDateTime.now(ZoneOffset.UTC).format(STAMP) + "-" + n);
            }
            AtomicFiles.moveDirectory(dir, target);
            if (purge) {
                AtomicFiles.deleteTree(target);
                return null;
            }
            return target;
        } catch (IOException e) {
            throw AgentctlException.failed("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
