package dev.agentctl.backup;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Which backups to keep, with restic {@code forget} semantics, for one series (one instance).
 *
 * <ul>
 *   <li>keepLast N: the N newest.</li>
 *   <li>keepHourly/Daily/Weekly/Monthly/Yearly N: walking from the newest, the newest backup of each of the
 *       last N calendar periods (UTC) that have a backup; weeks are ISO weeks, Monday to Sunday.</li>
 *   <li>If such a rule still has slots left after the oldest backup, the oldest backup is kept too
 *       ("oldest daily snapshot"), as restic does since 0.15.</li>
 *   <li>keepWithin D: every backup newer than (newest backup - D); measured from the newest backup, not now.</li>
 *   <li>Rules are ORed. -1 means unlimited. An empty policy keeps everything. The newest backup is always kept.</li>
 * </ul>
 */
public final class Retention {

    public static final int UNLIMITED = -1;

    public record Policy(
            int keepLast,
            int keepHourly,
            int keepDaily,
            int keepWeekly,
            int keepMonthly,
            int keepYearly,
            Duration keepWithin) {
        public Policy {
            for (int n : new int[] {keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly}) {
                if (n < UNLIMITED) throw new IllegalArgumentException("keep counts must be >= 0 or -1 (unlimited)");
            }
            if (keepWithin == null) keepWithin = Duration.ZERO;
            if (keepWithin.isNegative()) throw new IllegalArgumentException("keepWithin must not be negative");
        }

        public static Policy empty() {
            return new Policy(0, 0, 0, 0, 0, 0, Duration.ZERO);
        }

        public boolean isEmpty() {
            return keepLast == 0
                    && keepHourly == 0
                    && keepDaily == 0
                    && keepWeekly == 0
                    && keepMonthly == 0
                    && keepYearly == 0
                    && keepWithin.isZero();
        }

        public Policy withLast(int n) {
            return new Policy(n, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin);
        }

        public Policy withHourly(int n) {
            return new Policy(keepLast, n, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin);
        }

        public Policy withDaily(int n) {
            return new Policy(keepLast, keepHourly, n, keepWeekly, keepMonthly, keepYearly, keepWithin);
        }

        public Policy withWeekly(int n) {
            return new Policy(keepLast, keepHourly, keepDaily, n, keepMonthly, keepYearly, keepWithin);
        }

        public Policy withMonthly(int n) {
            return new Policy(keepLast, keepHourly, keepDaily, keepWeekly, n, keepYearly, keepWithin);
        }

        public Policy withYearly(int n) {
            return new Policy(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, n, keepWithin);
        }

        public Policy withWithin(Duration d) {
            return new Policy(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, d);
        }
    }

    /** @param reasons why it is kept ("daily snapshot", "last snapshot", ...); empty when it goes */
    public record Decision<T>(T item, Instant time, boolean keep, List<String> reasons) {}

    private Retention() {}

    /** Decisions for every item, newest first. Items with equal times keep their given order. */
    public static <T> List<Decision<T>> apply(Policy policy, Collection<T> items, Function<T, Instant> timeOf) {
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparing(timeOf).reversed());
        List<Decision<T>> out = new ArrayList<>();
        if (sorted.isEmpty()) return out;
        if (policy.isEmpty()) {
            for (T t : sorted) out.add(new Decision<>(t, timeOf.apply(t), true, List.of("policy is empty")));
            return out;
        }
        Bucket[] buckets = {
            new Bucket(policy.keepLast(), null, "last snapshot"),
            new Bucket(
                    policy.keepHourly(),
                    t -> t.getYear() * 1_000_000L
                            + t.getMonthValue() * 10_000L
                            + t.getDayOfMonth() * 100L
                            + t.getHour(),
                    "hourly snapshot"),
            new Bucket(
                    policy.keepDaily(),
                    t -> t.getYear() * 10_000L + t.getMonthValue() * 100L + t.getDayOfMonth(),
                    "daily snapshot"),
            new Bucket(
                    policy.keepWeekly(),
                    t -> t.get(IsoFields.WEEK_BASED_YEAR) * 100L + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR),
                    "weekly snapshot"),
            new Bucket(policy.keepMonthly(), t -> t.getYear() * 100L + t.getMonthValue(), "monthly snapshot"),
            new Bucket(policy.keepYearly(), t -> (long) t.getYear(), "yearly snapshot"),
        };
        Instant newest = timeOf.apply(sorted.get(0));
        Instant withinFrom = newest.minus(policy.keepWithin());
        for (int i = 0; i < sorted.size(); i++) {
            T item = sorted.get(i);
            Instant time = timeOf.apply(item);
            ZonedDateTime utc = time.atZone(ZoneOffset.UTC);
            boolean oldest = i == sorted.size() - 1;
            List<String> reasons = new ArrayList<>();
            if (!policy.keepWithin().isZero() && time.isAfter(withinFrom)) {
                reasons.add("within " + human(policy.keepWithin()));
            }
            for (Bucket b : buckets) {
                if (b.left == 0) continue;
                long period = b.period == null ? i : b.period.apply(utc);
                boolean newPeriod = b.last == null || period != b.last;
                if (newPeriod || oldest) {
                    reasons.add(newPeriod ? b.reason : "oldest " + b.reason);
                    b.last = period;
                    if (b.left > 0) b.left--;
                }
            }
            if (i == 0 && reasons.isEmpty()) reasons.add("newest backup");
            out.add(new Decision<>(item, time, !reasons.isEmpty(), List.copyOf(reasons)));
        }
        return out;
    }

    /** Applies the policy to each instance's backups separately. */
    public static Map<String, List<Decision<BackupCatalog.Backup>>> perInstance(
            Policy policy, Collection<BackupCatalog.Backup> backups) {
        Map<String, List<BackupCatalog.Backup>> groups = new LinkedHashMap<>();
        for (BackupCatalog.Backup b : backups)
            groups.computeIfAbsent(b.instance(), k -> new ArrayList<>()).add(b);
        Map<String, List<Decision<BackupCatalog.Backup>>> out = new LinkedHashMap<>();
        groups.forEach((instance, list) -> out.put(instance, apply(policy, list, BackupCatalog.Backup::createdAt)));
        return out;
    }

    private static final class Bucket {
        int left;
        final Function<ZonedDateTime, Long> period;
        final String reason;
        Long last;

        Bucket(int count, Function<ZonedDateTime, Long> period, String reason) {
            this.left = count;
            this.period = period;
            this.reason = reason;
        }
    }

    /** 168h -> "7d", 90m -> "1h30m". */
    static String human(Duration d) {
        long days = d.toDays();
        long hours = d.toHoursPart();
        long minutes = d.toMinutesPart();
        long seconds = d.toSecondsPart();
        StringBuilder b = new StringBuilder();
        if (days > 0) b.append(days).append('d');
        if (hours > 0) b.append(hours).append('h');
        if (minutes > 0) b.append(minutes).append('m');
        if (seconds > 0 || b.length() == 0) b.append(seconds).append('s');
        return b.toString();
    }
}
