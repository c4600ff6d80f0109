package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.fleet.Fleet;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** agentctl as a program (bin/agentctl and the built jar): Ctrl-C while waiting, and shell completion in real bash. */
@Tag("engine")
class CliProcessIT {
    static final Path AGENTCTL = EngineFleet.repo().resolve("bin/agentctl");

    @TempDir
    Path tmp;

    @Test
    void ctrlCWhileWaitingForTheLockSaysWhatItStopped() throws Exception {
        Path root = tmp.resolve("fleet");
        assertThat(Cli.raw("init", root.toString()).code()).isZero();
        try (FleetLock held = FleetLock.acquire(Fleet.open(root), Duration.ZERO, "agentctl backup", m -> {})) {
            Process p = new ProcessBuilder(
                            AGENTCTL.toString(), "create", "alice", "--root", root.toString(), "--wait", "60s")
                    .redirectErrorStream(true)
                    .start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first)
                    .contains("waiting for the fleet lock, held by pid "
                            + ProcessHandle.current().pid() + " (agentctl backup)");
            // Ctrl-C is SIGINT; a JVM started by a shell job that ignores SIGINT (a background CI step) keeps
            // ignoring it, and is then stopped with SIGTERM, which takes the same shutdown path
            String signal = ignoresSigint(p.pid()) ? "-TERM" : "-INT";
            new ProcessBuilder("kill", signal, Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String rest = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(rest)
                    .contains("stopped waiting for the fleet lock (held by pid "
                            + ProcessHandle.current().pid() + " (agentctl backup)")
                    .contains("nothing was done");
            assertThat(root.resolve("instances/alice")).doesNotExist();
        }
    }

    @Test
    void theFirstRunOfAJarRecordsAClassDataArchiveFromTheTrainingRunAndLaterRunsMapIt() throws Exception {
        Path cache = tmp.resolve("cache");
        Path root = tmp.resolve("cds-fleet");
        assertThat(Cli.raw("init", root.toString()).code()).isZero();
        List<String> tmpBefore = cdsScratch();
        for (int run = 0; run < 2; run++) {
            ProcessBuilder pb = new ProcessBuilder(AGENTCTL.toString(), "list", "--root", root.toString())
                    .redirectErrorStream(true);
            pb.environment().put("XDG_CACHE_HOME", cache.toString());
            pb.environment().remove("AGENTCTL_JAVA_OPTS");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out)
                    .as("only the command's own output")
                    .isEqualTo("No instances yet. Create one: agentctl create alice\n");
            try (var files = Files.list(cache.resolve("agentctl"))) {
                List<String> names = files.map(f -> f.getFileName().toString()).toList();
                assertThat(names).as("run " + run).hasSize(1).allMatch(n -> n.matches("agentctl-\\d+-\\d+\\.jsa"));
            }
        }
        // the archive holds the everyday commands' classes, not only those of the first command run
        ProcessBuilder pb = new ProcessBuilder(
                        "java",
                        "-XX:SharedArchiveFile="
                                + Files.list(cache.resolve("agentctl"))
                                        .findFirst()
                                        .orElseThrow(),
                        "-Xlog:class+load=info",
                        "-jar",
                        EngineFleet.repo().resolve("app/target/agentctl.jar").toString(),
                        "show",
                        "nobody",
                        "--root",
                        root.toString())
                .redirectErrorStream(true);
        Process p = pb.start();
        List<String> loaded = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        p.waitFor(60, TimeUnit.SECONDS);
        assertThat(loaded.stream().filter(l -> l.contains("dev.agentctl.cli.ShowCommand ")))
                .as("ShowCommand, which the first run (list) never loaded")
                .singleElement()
                .asString()
                .contains("shared objects file");
        assertThat(cdsScratch()).as("the training fleet is removed").isEqualTo(tmpBefore);
    }

    private static List<String> cdsScratch() throws IOException {
        try (var all = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return all.map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith("agentctl-cds-"))
                    .sorted()
                    .toList();
        }
    }

    static boolean ignoresSigint(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseLong(line.substring(7).strip(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    /** What bash completes {@code words} (the last one being typed) to, with agentctl's own script. */
    List<String> complete(Path root, String... words) throws Exception {
        Path script = tmp.resolve("completion.bash");
        Files.writeString(script, Cli.raw("completion", "bash").out());
        StringBuilder cmd = new StringBuilder("source '" + script + "'; COMP_WORDS=(agentctl --root '" + root + "'");
        for (String w : words) {
            cmd.append(" '").append(w).append("'");
        }
        cmd.append("); COMP_CWORD=").append(words.length + 2).append("; _agentctl; printf '%s\\n' \"${COMPREPLY[@]}\"");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", cmd.toString()).redirectErrorStream(true);
        pb.environment().put("AGENTCTL", AGENTCTL.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> lines =
                new ArrayList<>(out.lines().filter(l -> !l.isBlank()).toList());
        lines.sort(null);
        return lines;
    }

    @Test
    void completionKnowsCommandsOptionsInstancesSoulsAndBackups() throws Exception {
        Path root = tmp.resolve("fleet");
        assertThat(Cli.raw("init", root.toString()).code()).isZero();
        assertThat(Cli.at(root, "create", "alice").code()).isZero();
        assertThat(Cli.at(root, "create", "albert").code()).isZero();
        assertThat(Cli.at(root, "backup", "alice", "--mode", "online").code()).isZero();
        assertThat(complete(root, "st")).containsExactly("start", "status", "stop");
        assertThat(complete(root, "up", "al")).containsExactly("albert", "alice");
        assertThat(complete(root, "create", "bob", "--soul", "ex")).containsExactly("expert");
        assertThat(complete(root, "backup", "li")).containsExactly("list");
        assertThat(complete(root, "status", "--js")).containsExactly("--json");
        List<String> backups = complete(root, "restore", root.resolve("backups").toString());
        assertThat(backups).hasSize(1);
        assertThat(backups.get(0))
                .startsWith(root.resolve("backups/alice/alice-").toString())
                .endsWith(".tar.zst");
    }

    @Test
    void migrateFindsTheOldFolderThroughHome() throws Exception {
        Path root = tmp.resolve("fleet");
        assertThat(Cli.raw("init", root.toString()).code()).isZero();
        Path home = tmp.resolve("someone");
        Files.createDirectories(home.resolve(".nanobot/workspace"));
        Files.writeString(
                home.resolve(".nanobot/config.json"),
                "{\"agents\": {\"defaults\": {\"model\": \"deepseek-chat\", \"workspace\": \"~/.nanobot/workspace\"}},"
                        + " \"providers\": {\"deepseek\": {\"apiKey\": \"sk-ds\"}}}");
        Files.writeString(home.resolve(".nanobot/workspace/SOUL.md"), "# from home\n");
        ProcessBuilder pb = new ProcessBuilder(AGENTCTL.toString(), "migrate", "old", "--root", root.toString())
                .redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out)
                .contains("Imported " + home.resolve(".nanobot"))
                .contains("DEEPSEEK_API_KEY")
                .contains("provider: deepseek");
        assertThat(root.resolve("instances/old/workspace/SOUL.md")).hasContent("# from home");
    }

    @Test
    void onATerminalASecretIsAskedForWithoutEchoAndNeverOnTheCommandLine() throws Exception {
        Path root = tmp.resolve("fleet");
        assertThat(Cli.raw("init", root.toString()).code()).isZero();
        assertThat(Cli.at(root, "create", "alice").code()).isZero();
        // script(1) gives agentctl a real terminal
        ProcessBuilder pb = new ProcessBuilder(
                        "script", "-qec", AGENTCTL + " set alice --env TELEGRAM_TOKEN --root " + root, "/dev/null")
                .redirectErrorStream(true);
        pb.environment().remove("TELEGRAM_TOKEN");
        Process p = pb.start();
        StringBuilder seen = new StringBuilder();
        var in = p.getInputStream();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!seen.toString().contains("(not shown): ") && System.nanoTime() < until) {
            int c = in.read();
            if (c < 0) break;
            seen.append((char) c);
        }
        assertThat(seen.toString()).contains("TELEGRAM_TOKEN (not shown): ");
        p.getOutputStream().write("123456:typed-secret\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(seen + rest).isZero();
        assertThat(seen + rest).as("the terminal never shows it").doesNotContain("typed-secret");
        assertThat(Files.readString(root.resolve("instances/alice/.env")))
                .contains("TELEGRAM_TOKEN='123456:typed-secret'");
    }
}
