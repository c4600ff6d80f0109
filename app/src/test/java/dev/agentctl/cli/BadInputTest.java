package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The issue's bad-input table: each is refused with exit 2 and one line on stderr naming the value, and the fleet
 * root is left byte-for-byte as it was.
 */
class BadInputTest extends FleetTestBase {
    static final String LONG_NAME = "a".repeat(40);

    int alicePort;
    int bobPort;
    ServerSocket busy;

    @BeforeEach
    void fleetWithTwoInstancesAndABusyHostPort() throws IOException {
        alicePort = freePort();
        ok("create", "alice", Integer.toString(alicePort));
        bobPort = freePort(alicePort);
        ok("create", "bob", Integer.toString(bobPort));
        // soul files that must be refused: too big, not text, readable by root alone
        Files.writeString(tmp.resolve("big.md"), "x".repeat(300 * 1024));
        Files.write(tmp.resolve("binary.md"), new byte[] {'#', ' ', (byte) 0xff, (byte) 0xfe, 0, 1});
        Files.writeString(tmp.resolve("private.md"), "# {{name}}\n");
        Files.setPosixFilePermissions(tmp.resolve("private.md"), PosixFilePermissions.fromString("rw-------"));
        busy = new ServerSocket();
        busy.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
    }

    @AfterEach
    void closeBusyPort() throws IOException {
        busy.close();
    }

    static Stream<Arguments> badCreates() {
        return Stream.of(
                Arguments.of("name ../x", List.of("../x"), "'../x'"),
                Arguments.of("name Alice", List.of("Alice"), "'Alice'"),
                Arguments.of("name a_b", List.of("a_b"), "'a_b'"),
                // after "--" picocli hands -x over as the NAME, so agentctl's own validation refuses it
                Arguments.of("name -x after --", List.of("--", "-x"), "'-x'"),
                // without "--" picocli takes -x for an option, not the NAME: still a usage error, exit 2
                Arguments.of("name -x as option", List.of("-x"), "agentctl"),
                Arguments.of("name of 40 characters", List.of(LONG_NAME), LONG_NAME),
                Arguments.of("name ending in -", List.of("carol-"), "'carol-'"),
                Arguments.of("reserved name", List.of("all"), "'all'"),
                Arguments.of("existing name", List.of("alice"), "'alice'"),
                Arguments.of("port 80", List.of("carol", "80"), "'80'"),
                Arguments.of("port 0", List.of("carol", "0"), "'0'"),
                Arguments.of("port 70000", List.of("carol", "70000"), "'70000'"),
                Arguments.of("port abc", List.of("carol", "abc"), "'abc'"),
                Arguments.of("port of another instance", List.of("carol", "${ALICE_PORT}"), "${ALICE_PORT}"),
                Arguments.of("port in use on the host", List.of("carol", "${BUSY_PORT}"), "${BUSY_PORT}"),
                Arguments.of("unknown soul", List.of("carol", "--soul", "wizard"), "'wizard'"),
                Arguments.of("missing soul file", List.of("carol", "--soul", "${TMP}/missing.md"), "${TMP}/missing.md"),
                // a folder is never a readable soul file, whoever runs the test (root reads even mode-000 files)
                Arguments.of("soul path is a folder", List.of("carol", "--soul", "${TMP}/souldir"), "${TMP}/souldir"),
                Arguments.of(
                        "memory that overflows",
                        List.of("carol", "--memory", "99999999999999999999g"),
                        "'99999999999999999999g'"),
                Arguments.of("memory beyond the host", List.of("carol", "--memory", "900t"), "'900t'"),
                Arguments.of("cpus beyond the host", List.of("carol", "--cpus", "4096"), "'4096'"),
                Arguments.of("soul /etc/shadow", List.of("carol", "--soul", "/etc/shadow"), "'/etc/shadow'"),
                Arguments.of(
                        "soul from /proc", List.of("carol", "--soul", "/proc/self/environ"), "'/proc/self/environ'"),
                Arguments.of("soul from /dev", List.of("carol", "--soul", "/dev/zero"), "'/dev/zero'"),
                Arguments.of("soul a folder", List.of("carol", "--soul", "${TMP}/"), "${TMP}"),
                Arguments.of("soul too big", List.of("carol", "--soul", "${TMP}/big.md"), "${TMP}/big.md"),
                Arguments.of("soul binary", List.of("carol", "--soul", "${TMP}/binary.md"), "${TMP}/binary.md"),
                Arguments.of("soul owner-only", List.of("carol", "--soul", "${TMP}/private.md"), "${TMP}/private.md"),
                Arguments.of("memory 12qb", List.of("carol", "--memory", "12qb"), "'12qb'"),
                Arguments.of("memory too small", List.of("carol", "--memory", "1k"), "'1k'"),
                Arguments.of("cpus -1", List.of("carol", "--cpus", "-1"), "'-1'"),
                Arguments.of("cpus abc", List.of("carol", "--cpus", "abc"), "'abc'"),
                Arguments.of("bind host name", List.of("carol", "--bind", "localhost"), "'localhost'"),
                Arguments.of("env without =", List.of("carol", "--env", "OPENAI_API_KEY"), "OPENAI_API_KEY"),
                Arguments.of("env bad key", List.of("carol", "--env", "1X=y"), "1X"),
                // docker-compose 1.x expands ${VAR} in an env file even in single quotes: never written
                Arguments.of("env value with ${", List.of("carol", "--env", "S=a${OPENAI_API_KEY}b"), "S"),
                Arguments.of("model with spaces", List.of("carol", "18999", "gpt 4"), "'gpt 4'"),
                Arguments.of("provider", List.of("carol", "--provider", "Open AI"), "'Open AI'"));
    }

    @ParameterizedTest(name = "create: {0}")
    @MethodSource("badCreates")
    void createRefuses(String label, List<String> args, String expected) throws IOException {
        Files.createDirectories(tmp.resolve("souldir"));
        List<String> resolved = new ArrayList<>();
        for (String a : args) {
            resolved.add(subst(a));
        }
        assertRefused("create", resolved, subst(expected));
        if (label.startsWith("port of another")) {
            Cli.Result r = run("create", resolved.toArray(String[]::new));
            assertThat(r.err()).as("names the instance holding the port").contains("alice");
        }
    }

    @Test
    void aSoulFileInsideAnInstanceFolderIsRefusedBecauseItsAgentCouldSwapALinkIn() {
        Path soul = instance("bob").resolve("workspace/SOUL.md");
        assertRefused("set", List.of("alice", "--soul", soul.toString()), "inside an instance folder");
        assertRefused("create", List.of("carol", "--soul", soul.toString()), "inside an instance folder");
    }

    @Test
    void aPortInUseOnTheHostIsSkippedWhenNoneIsGiven() {
        // not an error: the free-port search passes over ports something listens on
        Cli.Result r = ok("create", "carol");
        int got = json(instance("carol").resolve("config/config.json"))
                .path("gateway")
                .path("port")
                .asInt();
        assertThat(got).isNotIn(alicePort, bobPort, busy.getLocalPort());
        assertThat(r.out()).contains(Integer.toString(got));
    }

    static Stream<Arguments> badSets() {
        return Stream.of(
                Arguments.of("port 80", List.of("alice", "--port", "80"), "'80'"),
                Arguments.of("port abc", List.of("alice", "--port", "abc"), "'abc'"),
                Arguments.of("port of another instance", List.of("alice", "--port", "${BOB_PORT}"), "'bob'"),
                Arguments.of("port in use on the host", List.of("alice", "--port", "${BUSY_PORT}"), "${BUSY_PORT}"),
                Arguments.of(
                        "memory that overflows",
                        List.of("alice", "--memory", "99999999999999999999g"),
                        "'99999999999999999999g'"),
                Arguments.of("memory beyond the host", List.of("alice", "--memory", "900t"), "'900t'"),
                Arguments.of("cpus beyond the host", List.of("alice", "--cpus", "4096"), "'4096'"),
                Arguments.of("soul /etc/shadow", List.of("alice", "--soul", "/etc/shadow"), "'/etc/shadow'"),
                Arguments.of(
                        "soul from /proc", List.of("alice", "--soul", "/proc/self/environ"), "'/proc/self/environ'"),
                Arguments.of("soul from /dev", List.of("alice", "--soul", "/dev/zero"), "'/dev/zero'"),
                Arguments.of("soul a folder", List.of("alice", "--soul", "${TMP}/"), "${TMP}"),
                Arguments.of("soul too big", List.of("alice", "--soul", "${TMP}/big.md"), "${TMP}/big.md"),
                Arguments.of("soul binary", List.of("alice", "--soul", "${TMP}/binary.md"), "${TMP}/binary.md"),
                Arguments.of("soul owner-only", List.of("alice", "--soul", "${TMP}/private.md"), "${TMP}/private.md"),
                Arguments.of("memory 12qb", List.of("alice", "--memory", "12qb"), "'12qb'"),
                Arguments.of("cpus -1", List.of("alice", "--cpus", "-1"), "'-1'"),
                Arguments.of("unknown soul", List.of("alice", "--soul", "wizard"), "'wizard'"),
                Arguments.of("missing soul file", List.of("alice", "--soul", "${TMP}/missing.md"), "${TMP}/missing.md"),
                // the value after '=' may be a secret: it is masked, the rest is shown
                Arguments.of("bad env", List.of("alice", "--env", "=x"), "'=***'"),
                Arguments.of("bad model", List.of("alice", "--model", "gpt 4"), "'gpt 4'"),
                // a good change beside a bad one: nothing at all is written
                Arguments.of(
                        "good model, bad memory", List.of("alice", "--model", "gpt-4o", "--memory", "12qb"), "'12qb'"),
                Arguments.of(
                        "good env, bad port", List.of("alice", "--env", "OPENAI_API_KEY=sk-x", "--port", "0"), "'0'"),
                Arguments.of("unknown instance", List.of("zed", "--model", "gpt-4o"), "'zed'"),
                Arguments.of("bad name", List.of("../x", "--model", "gpt-4o"), "'../x'"),
                Arguments.of("nothing to change", List.of("alice"), "--model"));
    }

    @ParameterizedTest(name = "set: {0}")
    @MethodSource("badSets")
    void setRefuses(String label, List<String> args, String expected) {
        List<String> resolved = new ArrayList<>();
        for (String a : args) {
            resolved.add(subst(a));
        }
        assertRefused("set", resolved, subst(expected));
    }

    @Test
    void showAndRmOfAnUnknownInstance() {
        assertRefused("show", List.of("zed"), "'zed'");
        assertRefused("rm", List.of("zed", "--yes"), "'zed'");
        assertRefused("show", List.of("../alice"), "'../alice'");
    }

    // ---- fleet.yaml ----

    @Test
    void fleetYamlWithATypoedKeyNamesTheKeyAndLine() {
        String text = read(root.resolve("fleet.yaml"));
        String typo = text.replaceFirst("(?m)^  model: gpt-4o-mini$", "  modle: gpt-4o-mini");
        assertThat(typo).isNotEqualTo(text);
        write(root.resolve("fleet.yaml"), typo);
        int line = lineOf(typo, "  modle:");

        for (String cmd : List.of("list", "compose")) {
            Cli.Result r = assertRefused(cmd, List.of(), "modle");
            assertThat(r.err()).contains("fleet.yaml:" + line);
        }
        assertRefused("create", List.of("carol"), "modle");
    }

    @Test
    void fleetYamlWithATopLevelTypo() {
        write(root.resolve("fleet.yaml"), read(root.resolve("fleet.yaml")) + "\nnetwrok: other\n");
        int line = lineOf(read(root.resolve("fleet.yaml")), "netwrok:");
        Cli.Result r = assertRefused("list", List.of(), "netwrok");
        assertThat(r.err()).contains("fleet.yaml:" + line);
    }

    @Test
    void fleetYamlWithATabIndentedLineNamesLineAndColumn() {
        String text = read(root.resolve("fleet.yaml"));
        String tabbed = text.replaceFirst("(?m)^    memory: 1g$", "\tmemory: 1g");
        assertThat(tabbed).isNotEqualTo(text);
        write(root.resolve("fleet.yaml"), tabbed);
        int line = lineOf(tabbed, "\tmemory:");

        Cli.Result r = assertRefused("list", List.of(), "fleet.yaml:" + line + ":1");
        assertThat(r.err()).containsIgnoringCase("tab");
    }

    @Test
    void fleetYamlWithABillionLaughsAliasBombIsRefusedQuickly() {
        StringBuilder bomb =
                new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        char prev = 'a';
        for (char c = 'b'; c <= 'i'; c++, prev++) {
            bomb.append(c).append(": &").append(c).append(" [");
            for (int n = 0; n < 9; n++) {
                bomb.append(n == 0 ? "" : ",").append('*').append(prev);
            }
            bomb.append("]\n");
        }
        bomb.append("runtime:\n  extras: *i\n");
        write(root.resolve("fleet.yaml"), bomb.toString());

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            Cli.Result r = assertRefused("list", List.of(), "fleet.yaml");
            assertThat(r.err()).containsIgnoringCase("alias");
        });
    }

    @Test
    void fleetYamlWithBadValuesNamesTheLine() {
        String text = read(root.resolve("fleet.yaml"));
        String bad = text.replaceFirst("(?m)^  from: 18790$", "  from: eighteen");
        write(root.resolve("fleet.yaml"), bad);
        Cli.Result r = assertRefused("list", List.of(), "'eighteen'");
        assertThat(r.err()).contains("fleet.yaml:" + lineOf(bad, "  from: eighteen"));
    }

    @Test
    void fleetYamlThatIsNotAMapping() {
        write(root.resolve("fleet.yaml"), "- just\n- a list\n");
        assertRefused("list", List.of(), "fleet.yaml:1");
    }

    // ---- an instance whose config.json is not JSON ----

    @Test
    void listNamesTheBrokenFileAndLineAndStillListsTheOthers() {
        Path cfg = instance("bob").resolve("config/config.json");
        write(cfg, "{\n  \"agents\": {\n    \"defaults\": oops\n  }\n}\n");
        Map<String, String> before = snapshot();

        Cli.Result r = run("list");
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.out()).contains("alice").contains(Integer.toString(alicePort));
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains(cfg.toString() + ":3");

        Cli.Result j = run("list", "--json");
        assertThat(j.code()).isNotZero();
        JsonNode rows = json(j.out());
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).path("name").asText()).isEqualTo("alice");
        assertThat(rows.get(0).path("port").asInt()).isEqualTo(alicePort);
        assertThat(rows.get(1).path("name").asText()).isEqualTo("bob");
        assertThat(rows.get(1).path("error").asText()).contains(cfg.toString() + ":3");

        Cli.Result show = assertRefused("show", List.of("bob"), cfg.toString() + ":3");
        assertThat(show.err()).contains("JSON");
        ok("show", "alice");
        assertUnchanged(before, "list/show");
    }

    @Test
    void aBrokenInstanceBlocksOnlyItself() {
        Path cfg = instance("bob").resolve("config/config.json");
        write(cfg, "not json at all\n");
        // bob itself is refused, naming its broken file, and nothing is written
        assertRefused("set", List.of("bob", "--model", "gpt-4o"), cfg.toString());
        // the others go on: create and set work, and docker-compose.yml is rendered without bob (his own override
        // file is left as it was)
        String bobOverride = read(instance("bob").resolve("docker-compose.override.yml"));
        ok("create", "carol");
        ok("set", "alice", "--model", "gpt-4o");
        Map<String, Object> compose = yaml(root.resolve("docker-compose.yml"));
        assertThat(((Map<?, ?>) compose.get("services")).keySet().stream().map(String::valueOf))
                .containsExactly("alice", "carol");
        assertThat(read(instance("bob").resolve("docker-compose.override.yml"))).isEqualTo(bobOverride);
    }

    @Test
    void aBrokenInstanceKeepsItsPortWhenItsConfigStillNamesOne() {
        Path settings = instance("bob").resolve("instance.yaml");
        write(settings, "soul: [unclosed\n");
        // bob cannot be loaded, but his config.json still says which port is his: nobody else gets it
        assertRefused("create", List.of("carol", Integer.toString(bobPort)), "already used by instance 'bob'");
    }

    // ---- helpers ----

    /** Runs {@code agentctl CMD --root ROOT ARGS}; asserts exit 2, one stderr line containing {@code expected}, tree unchanged. */
    private Cli.Result assertRefused(String cmd, List<String> args, String expected) {
        Map<String, String> before = snapshot();
        Cli.Result r = run(cmd, args.toArray(String[]::new));
        assertThat(r.code()).as("exit code of agentctl %s %s%n%s", cmd, args, r).isEqualTo(2);
        assertThat(r.errLines()).as("stderr of agentctl %s %s", cmd, args).hasSize(1);
        assertThat(r.err()).as("stderr of agentctl %s %s", cmd, args).contains(expected);
        assertUnchanged(before, "agentctl " + cmd + " " + args);
        return r;
    }

    private String subst(String s) {
        return s.replace("${ALICE_PORT}", Integer.toString(alicePort))
                .replace("${BOB_PORT}", Integer.toString(bobPort))
                .replace("${BUSY_PORT}", Integer.toString(busy.getLocalPort()))
                .replace("${TMP}", tmp.toString());
    }

    private static int lineOf(String text, String prefix) {
        List<String> lines = text.lines().toList();
        for (int n = 0; n < lines.size(); n++) {
            if (lines.get(n).startsWith(prefix)) {
                return n + 1;
            }
        }
        throw new AssertionError("no line starting with " + prefix);
    }
}
