package dev.agentctl.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetentionTest {

    private static final Retention.Policy NONE = Retention.Policy.empty();

    /** An irregular series across a year boundary; numbered 1 (newest) to 11 (oldest) in the table below. */
    private static final List<Instant> SERIES = Stream.of(
                    "2024-03-01T11:05:00Z", // 1  Friday, ISO 2024-W09
                    "2024-03-01T10:30:00Z", // 2
                    "2024-03-01T10:00:00Z", // 3
                    "2024-02-29T10:00:00Z", // 4  Thursday, W09
                    "2024-02-15T10:00:00Z", // 5  W07
                    "2024-01-08T20:00:00Z", // 6  Monday, W02
                    "2024-01-08T08:00:00Z", // 7
                    "2024-01-07T12:00:00Z", // 8  Sunday, still W01
                    "2024-01-01T00:30:00Z", // 9  Monday, W01
                    "2023-12-31T23:30:00Z", // 10 Sunday, 2023-W52
                    "2023-11-20T09:00:00Z") // 11 2023-W47
            .map(Instant::parse)
            .toList();

    static Stream<Arguments> table() {
        return Stream.of(
                row(
                        "keep-last 3 keeps the three newest",
                        NONE.withLast(3),
                        "1=last snapshot",
                        "2=last snapshot",
                        "3=last snapshot"),
                row(
                        "keep-hourly 3 keeps the newest of the last three hours that have backups",
                        NONE.withHourly(3),
                        "1=hourly snapshot",
                        "2=hourly snapshot",
                        "4=hourly snapshot"),
                row(
                        "keep-daily 3 skips days without backups",
                        NONE.withDaily(3),
                        "1=daily snapshot",
                        "4=daily snapshot",
                        "5=daily snapshot"),
                row(
                        "keep-weekly 3 counts calendar weeks that have backups",
                        NONE.withWeekly(3),
                        "1=weekly snapshot",
                        "5=weekly snapshot",
                        "6=weekly snapshot"),
                row(
                        "weeks run Monday to Sunday: Sunday 7 Jan and Monday 1 Jan share a week, Sunday 31 Dec does not",
                        NONE.withWeekly(6),
                        "1=weekly snapshot",
                        "5=weekly snapshot",
                        "6=weekly snapshot",
                        "8=weekly snapshot",
                        "10=weekly snapshot",
                        "11=weekly snapshot"),
                row("keep-monthly 2", NONE.withMonthly(2), "1=monthly snapshot", "4=monthly snapshot"),
                row(
                        "keep-monthly 5 is filled exactly by the oldest",
                        NONE.withMonthly(5),
                        "1=monthly snapshot",
                        "4=monthly snapshot",
                        "6=monthly snapshot",
                        "10=monthly snapshot",
                        "11=monthly snapshot"),
                row(
                        "keep-yearly 5 cannot be filled, so the oldest backup is kept too",
                        NONE.withYearly(5),
                        "1=yearly snapshot",
                        "10=yearly snapshot",
                        "11=oldest yearly snapshot"),
                row(
                        "rules are ORed: keep-daily 2 keep-weekly 2",
                        NONE.withDaily(2).withWeekly(2),
                        "1=daily snapshot,weekly snapshot",
                        "4=daily snapshot",
                        "5=weekly snapshot"),
                row(
                        "keep-within 36h counts back from the newest backup, not from now",
                        NONE.withWithin(Duration.ofHours(36)),
                        "1=within 1d12h",
                        "2=within 1d12h",
                        "3=within 1d12h",
                        "4=within 1d12h"),
                row("keep-within 1h", NONE.withWithin(Duration.ofHours(1)), "1=within 1h", "2=within 1h"),
                row(
                        "keep-last 1 and keep-yearly 1 both pick the newest",
                        NONE.withLast(1).withYearly(1),
                        "1=last snapshot,yearly snapshot"),
                row(
                        "unlimited daily keeps the newest of every day",
                        NONE.withDaily(Retention.UNLIMITED),
                        "1=daily snapshot",
                        "4=daily snapshot",
                        "5=daily snapshot",
                        "6=daily snapshot",
                        "8=daily snapshot",
                        "9=daily snapshot",
                        "10=daily snapshot",
                        "11=daily snapshot"),
                row(
                        "keep-hourly 100 on fewer hours keeps one per hour and nothing more",
                        NONE.withHourly(100),
                        "1=hourly snapshot",
                        "2=hourly snapshot",
                        "4=hourly snapshot",
                        "5=hourly snapshot",
                        "6=hourly snapshot",
                        "7=hourly snapshot",
                        "8=hourly snapshot",
                        "9=hourly snapshot",
                        "10=hourly snapshot",
                        "11=hourly snapshot"),
                row(
                        "an empty policy removes nothing",
                        NONE,
                        "1=policy is empty",
                        "2=policy is empty",
                        "3=policy is empty",
                        "4=policy is empty",
                        "5=policy is empty",
                        "6=policy is empty",
                        "7=policy is empty",
                        "8=policy is empty",
                        "9=policy is empty",
                        "10=policy is empty",
                        "11=policy is empty"));
    }

    private static Arguments row(String name, Retention.Policy p, String... kept) {
        return Arguments.of(name, p, List.of(kept));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void policyKeepsExactlyTheExpectedBackupsWithReasons(String name, Retention.Policy policy, List<String> kept) {
        List<Instant> shuffled = new ArrayList<>(SERIES);
        java.util.Collections.shuffle(shuffled, new Random(7));

        List<Retention.Decision<Instant>> decisions = Retention.apply(policy, shuffled, Function.identity());

        assertThat(decisions)
                .extracting(Retention.Decision::time)
                .as("newest first")
                .isEqualTo(SERIES);
        List<String> actual = new ArrayList<>();
        for (int i = 0; i < decisions.size(); i++) {
            Retention.Decision<Instant> d = decisions.get(i);
            if (d.keep()) actual.add((i + 1) + "=" + String.join(",", d.reasons()));
            else assertThat(d.reasons()).isEmpty();
        }
        assertThat(actual).isEqualTo(kept);
    }

    @Test
    void isoWeekOfTheNextYearStartsOnTheLastMondayOfDecember() {
        List<Instant> times = Stream.of("2025-01-05T12:00:00Z", "2024-12-30T12:00:00Z", "2024-12-29T12:00:00Z")
                .map(Instant::parse)
                .toList();
        assertThat(kept(NONE.withWeekly(2), times)).containsExactly("2025-01-05T12:00:00Z", "2024-12-29T12:00:00Z");
    }

    @Test
    void daysFollowUtcWhateverTheHostZone() {
        List<Instant> times = Stream.of("2024-06-02T00:30:00Z", "2024-06-01T23:30:00Z", "2024-06-01T01:00:00Z")
                .map(Instant::parse)
                .toList();
        assertThat(kept(NONE.withDaily(2), times)).containsExactly("2024-06-02T00:30:00Z", "2024-06-01T23:30:00Z");
    }

    @Test
    void resticDocsExampleTwelveSundaysWithKeepDaily4KeepsTheLastFourSundays() {
        List<Instant> sundays = new ArrayList<>();
        for (LocalDate d = LocalDate.of(2019, 9, 1); !d.isAfter(LocalDate.of(2019, 11, 17)); d = d.plusWeeks(1)) {
            sundays.add(d.atTime(11, 0).toInstant(ZoneOffset.UTC));
        }
        assertThat(sundays).hasSize(12);

        List<Retention.Decision<Instant>> decisions = Retention.apply(NONE.withDaily(4), sundays, Function.identity());

        assertThat(decisions.stream().filter(Retention.Decision::keep).map(d -> d.time() + " " + d.reasons()))
                .containsExactly(
                        "2019-11-17T11:00:00Z [daily snapshot]",
                        "2019-11-10T11:00:00Z [daily snapshot]",
                        "2019-11-03T11:00:00Z [daily snapshot]",
                        "2019-10-27T11:00:00Z [daily snapshot]");
    }

    @Test
    void resticDocsExampleHundredYearsOfDailyBackups() {
        // forget --keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75 on one backup a day for 100 years:
        // 7 dailies, the weeklies not already daily, 11 or 12 month ends, 74 or 75 year ends.
        List<Instant> days = new ArrayList<>();
        for (LocalDate d = LocalDate.of(1926, 1, 1); !d.isAfter(LocalDate.of(2025, 12, 31)); d = d.plusDays(1)) {
            days.add(d.atTime(3, 0).toInstant(ZoneOffset.UTC));
        }
        Retention.Policy p = NONE.withDaily(7).withWeekly(5).withMonthly(12).withYearly(75);

        List<Retention.Decision<Instant>> kept = Retention.apply(p, days, Function.identity()).stream()
                .filter(Retention.Decision::keep)
                .toList();

        Map<String, Long> byReason = new LinkedHashMap<>();
        for (Retention.Decision<Instant> d : kept) {
            for (String r : d.reasons()) byReason.merge(r, 1L, Long::sum);
        }
        assertThat(byReason)
                .containsEntry("daily snapshot", 7L)
                .containsEntry("weekly snapshot", 5L)
                .containsEntry("monthly snapshot", 12L)
                .containsEntry("yearly snapshot", 75L);
        // 31 Dec 2025 is a Wednesday: the dailies (25..31 Dec) hold two week ends (28 and 31 Dec), so the weekly rule
        // adds 21, 14 and 7 Dec; month ends add Jan..Nov 2025; year ends add 1951..2024
        assertThat(kept).hasSize(7 + 3 + 11 + 74);
        assertThat(kept.get(kept.size() - 1).time()).isEqualTo(Instant.parse("1951-12-31T03:00:00Z"));
    }

    @Test
    void theNewestBackupIsNeverRemovedWhateverThePolicy() {
        Random random = new Random(2026);
        for (int run = 0; run < 300; run++) {
            List<Instant> times = new ArrayList<>();
            Instant t = Instant.parse("2025-01-01T00:00:00Z");
            int n = 1 + random.nextInt(40);
            for (int i = 0; i < n; i++) times.add(t = t.plusSeconds(1 + random.nextInt(200_000)));
            Retention.Policy p = new Retention.Policy(
                    random.nextInt(3),
                    random.nextInt(3),
                    random.nextInt(3),
                    random.nextInt(3),
                    random.nextInt(3),
                    random.nextInt(3),
                    Duration.ofMinutes(random.nextInt(3) * 60L));
            List<Retention.Decision<Instant>> d = Retention.apply(p, times, Function.identity());
            assertThat(d.get(0).keep()).as("policy %s on %s", p, times).isTrue();
            assertThat(d.get(0).time()).isEqualTo(t);
            assertThat(d).allMatch(x -> x.keep() == !x.reasons().isEmpty());
        }
    }

    @Test
    void eachInstanceIsASeparateSeries() {
        List<BackupCatalog.Backup> backups = List.of(
                backup("alice", "2026-01-03T00:00:00Z"),
                backup("alice", "2026-01-02T00:00:00Z"),
                backup("bob", "2026-01-01T00:00:00Z"));

        Map<String, List<Retention.Decision<BackupCatalog.Backup>>> plan =
                Retention.perInstance(NONE.withLast(1), backups);

        assertThat(plan.get("alice")).extracting(Retention.Decision::keep).containsExactly(true, false);
        assertThat(plan.get("bob")).extracting(Retention.Decision::keep).containsExactly(true);
    }

    private static BackupCatalog.Backup backup(String instance, String at) {
        return new BackupCatalog.Backup(Path.of(instance + at + ".tar.gz"), instance, Instant.parse(at), 1, true);
    }

    private static List<String> kept(Retention.Policy p, List<Instant> times) {
        return Retention.apply(p, times, Function.identity()).stream()
                .filter(Retention.Decision::keep)
                .map(d -> d.time().toString())
                .toList();
    }
}
