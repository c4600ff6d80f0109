package dev.agentctl.backup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code agentctl backup prune}: applies a {@link Retention} policy to each instance's backups and removes the rest,
 * but never an instance's newest backup nor its newest backup that verifies (walking from the newest down, the first
 * that {@link BackupVerifier} passes). Archives without a readable manifest are not listed, so never removed.
 */
public final class Pruner {

    /**
     * @param decisions per instance, newest first; what was removed (or would be, dry) has {@code keep} false
     * @param problems  listing problems, backups that do not verify, removals that failed; empty when all is well
     */
    public record Outcome(
            List<Retention.Decision<BackupCatalog.Backup>> decisions, int removed, List<String> problems) {}

    static final String NEWEST_VERIFIED = "newest verified backup";

    private Pruner() {}

    /** @param instances the instances whose backups to prune; empty for all */
    public static Outcome prune(Path backupsDir, List<String> instances, Retention.Policy policy, boolean dryRun)
            throws IOException {
        List<BackupCatalog.Backup> backups = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<BackupCatalog.Listing> listings = new ArrayList<>();
        if (instances.isEmpty()) {
            listings.add(BackupCatalog.listAll(backupsDir));
        } else {
            for (String name : instances) listings.add(BackupCatalog.list(backupsDir, name));
        }
        for (BackupCatalog.Listing l : listings) {
            problems.addAll(l.problems());
            l.backups().stream()
                    .filter(b -> instances.isEmpty() || instances.contains(b.instance()))
                    .forEach(backups::add);
        }

        List<Retention.Decision<BackupCatalog.Backup>> out = new ArrayList<>();
        int removed = 0;
        for (var series : Retention.perInstance(policy, backups).entrySet()) {
            List<Retention.Decision<BackupCatalog.Backup>> decisions =
                    keepNewestVerified(series.getKey(), series.getValue(), problems);
            for (Retention.Decision<BackupCatalog.Backup> d : decisions) {
                if (!d.keep() && !dryRun) {
                    try {
                        BackupCatalog.delete(d.item().archive());
                    } catch (IOException e) {
                        problems.add("could not remove " + d.item().archive() + ": " + BackupWriter.describe(e));
                        d = new Retention.Decision<>(d.item(), d.time(), true, List.of("removing it failed"));
                    }
                }
                if (!d.keep()) removed++;
                out.add(d);
            }
        }
        return new Outcome(List.copyOf(out), removed, List.copyOf(problems));
    }

    /** Verifies from the newest down until one passes and keeps that one; the ones that fail are problems. */
    private static List<Retention.Decision<BackupCatalog.Backup>> keepNewestVerified(
            String instance, List<Retention.Decision<BackupCatalog.Backup>> decisions, List<String> problems) {
        List<Retention.Decision<BackupCatalog.Backup>> out = new ArrayList<>(decisions);
        for (int i = 0; i < out.size(); i++) {
            Retention.Decision<BackupCatalog.Backup> d = out.get(i);
            BackupVerifier.Result r = BackupVerifier.check(d.item().archive());
            if (r.ok()) {
                List<String> reasons = new ArrayList<>(d.reasons());
                reasons.add(NEWEST_VERIFIED);
                out.set(i, new Retention.Decision<>(d.item(), d.time(), true, List.copyOf(reasons)));
                return out;
            }
            problems.add(d.item().archive() + " does not verify: " + String.join("; ", r.problems()));
        }
        if (!out.isEmpty()) problems.add("no backup of " + instance + " verifies");
        return out;
    }
}
