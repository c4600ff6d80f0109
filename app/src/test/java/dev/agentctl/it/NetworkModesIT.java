package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Each network mode proved by what an instance can and cannot reach, on a real engine. The "outside world" is a test
 * host in a network namespace this test makes (198.51.100.2, TEST-NET-2, behind a veth pair): reaching it means
 * being routed off the container's network, as traffic to a model provider is. Nothing goes to any other address.
 */
@Tag("engine")
class NetworkModesIT {
    static final String OUTSIDE = "198.51.100.2";
    static final String HOST_SIDE = "198.51.100.1";
    static EngineFleet fleet;
    static String netns;
    static String veth;
    static Process outside;

    @BeforeAll
    static void fleetAndAnOutsideHost() throws IOException {
        String tag = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
        netns = "agentctl-it-" + tag;
        veth = "agit" + tag;
        run("ip", "netns", "add", netns);
        run("ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p");
        run("ip", "link", "set", veth + "p", "netns", netns);
        run("ip", "addr", "add", HOST_SIDE + "/30", "dev", veth);
        run("ip", "link", "set", veth, "up");
        run("ip", "netns", "exec", netns, "ip", "addr", "add", OUTSIDE + "/30", "dev", veth + "p");
        run("ip", "netns", "exec", netns, "ip", "link", "set", veth + "p", "up");
        run("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
        outside = new ProcessBuilder(
                        "ip", "netns", "exec", netns, "python3", "-m", "http.server", "8080", "--bind", OUTSIDE)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();

        fleet = FleetRun.fleetWithRuntime("itnet", "iso1", "iso2");
        fleet.create("sh1", "--network", "fleet");
        fleet.create("sh2", "--network", "fleet");
        fleet.create("wall", "--network", "internal");
        fleet.create("cut", "--network", "none");
        fleet.expect(0, "up");
    }

    @AfterAll
    static void cleanUp() {
        if (outside != null) {
            outside.destroyForcibly();
        }
        FleetRun.dispose(fleet);
        if (netns != null) {
            Sh.run("ip", "link", "del", veth);
            Sh.run("ip", "netns", "del", netns);
        }
    }

    static void run(String... argv) {
        Sh.Result r = Sh.run(argv);
        assertThat(r.code()).as(String.join(" ", argv) + "\n" + r).isZero();
    }

    /**
     * From inside {@code instance}'s container: each URL's HTTP status, or FAIL. "GW" in a URL is the container's
     * default gateway (the host's address on its network), read from /proc/net/route.
     */
    static Map<String, String> reach(String instance, List<String> urls) {
        String probe = String.join(
                "\n",
                "import socket, struct, sys, urllib.request",
                "gw = None",
                "for line in open('/proc/net/route').read().splitlines()[1:]:",
                "    f = line.split()",
                "    if f[1] == '00000000':",
                "        gw = socket.inet_ntoa(struct.pack('<L', int(f[2], 16)))",
                "for u in sys.argv[1:]:",
                "    if 'GW' in u and gw is None:",
                "        print(u, 'FAIL'); continue",
                "    try:",
                "        print(u, urllib.request.urlopen(u.replace('GW', gw or ''), timeout=3).status)",
                "    except Exception as e:",
                "        print(u, 'FAIL')");
        List<String> argv = new java.util.ArrayList<>(List.of("exec", instance, "--", "python3", "-c", probe));
        argv.addAll(urls);
        Cli.Result r =
                Cli.at(fleet.root, argv.get(0), argv.subList(1, argv.size()).toArray(String[]::new));
        assertThat(r.code()).as(r.toString()).isZero();
        Map<String, String> out = new LinkedHashMap<>();
        r.out().lines().forEach(l -> out.put(l.substring(0, l.lastIndexOf(' ')), l.substring(l.lastIndexOf(' ') + 1)));
        assertThat(out).as(r.toString()).containsOnlyKeys(urls);
        return out;
    }

    static String ip(String instance) {
        return fleet.inspect(instance, "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}");
    }

    static int configuredPort(String instance) throws IOException {
        return fleet.expect(0, "show", instance, "--json")
                .out()
                .lines()
                .filter(l -> l.contains("\"port\""))
                .map(l -> Integer.parseInt(l.replaceAll("\\D", "")))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void eachModeReachesWhatItShouldAndNothingElse() throws IOException {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String n : List.of("iso1", "iso2", "sh1", "sh2", "wall", "cut")) {
            ports.put(n, configuredPort(n));
        }
        String sh2 = "http://" + ip("sh2") + ":" + ports.get("sh2") + "/health";
        String sh2ByName = "http://sh2:" + ports.get("sh2") + "/health";
        String iso2 = "http://" + ip("iso2") + ":" + ports.get("iso2") + "/health";
        String iso2OnHost = "http://GW:" + ports.get("iso2") + "/health";
        String iso2OnLoopback = "http://127.0.0.1:" + ports.get("iso2") + "/health";
        String world = "http://" + OUTSIDE + ":8080/";
        List<String> all = List.of(sh2, sh2ByName, iso2, iso2OnHost, iso2OnLoopback, world);

        // the test host answers, and the published ports do on the host's loopback
        assertThat(Sh.run("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "3", world)
                        .out())
                .isEqualTo("200");
        assertThat(EngineFleet.health(ports.get("iso2")).status()).isEqualTo(200);
        assertThat(EngineFleet.health(ports.get("sh2")).status()).isEqualTo(200);

        // fleet: the other fleet instances, by address and by name, and the way out; not an isolated instance
        assertThat(reach("sh1", all))
                .containsEntry(sh2, "200")
                .containsEntry(sh2ByName, "200")
                .containsEntry(iso2, "FAIL")
                .containsEntry(iso2OnHost, "FAIL")
                .containsEntry(iso2OnLoopback, "FAIL")
                .containsEntry(world, "200");
        // isolated (the default): the way out only
        assertThat(reach("iso1", all))
                .containsEntry(sh2, "FAIL")
                .containsEntry(sh2ByName, "FAIL")
                .containsEntry(iso2, "FAIL")
                .containsEntry(iso2OnHost, "FAIL")
                .containsEntry(iso2OnLoopback, "FAIL")
                .containsEntry(world, "200");
        // internal: no other instance and no way off the machine
        assertThat(reach("wall", all))
                .allSatisfy((url, result) -> assertThat(result).as(url).isEqualTo("FAIL"));
        // none: nothing at all; only a loopback interface
        assertThat(reach("cut", all))
                .allSatisfy((url, result) -> assertThat(result).as(url).isEqualTo("FAIL"));
        Cli.Result ifaces = Cli.at(fleet.root, "exec", "cut", "--", "cat", "/proc/net/dev");
        assertThat(ifaces.out().lines().skip(2).map(l -> l.strip().split(":")[0]))
                .containsExactly("lo");
    }

    @Test
    void everyModeIsHealthyAndOnlyTheModesWithAWayInPublishAPort() throws IOException {
        Map<String, com.fasterxml.jackson.databind.JsonNode> status = FleetRun.status(fleet);
        for (String n : List.of("iso1", "iso2", "sh1", "sh2", "wall", "cut")) {
            assertThat(status.get(n).path("health").asText()).as(n).isEqualTo("healthy");
        }
        assertThat(status.get("iso1").path("network").asText()).isEqualTo("isolated");
        assertThat(status.get("wall").path("network").asText()).isEqualTo("internal");
        assertThat(status.get("cut").path("network").asText()).isEqualTo("none");
        assertThat(status.get("iso1").path("port").asInt()).isEqualTo(configuredPort("iso1"));
        assertThat(status.get("wall").path("port").isNull()).isTrue();
        assertThat(status.get("cut").path("port").isNull()).isTrue();
        assertThat(Sh.run("docker", "port", fleet.container("wall")).out()).isBlank();
        assertThat(EngineFleet.health(configuredPort("wall")).status()).isEqualTo(-1);

        // the networks: one shared, one per isolated or internal instance (internal marked so), labelled as theirs
        assertThat(fleet.inspect("iso1", "{{.HostConfig.NetworkMode}}")).isEqualTo(fleet.name + "-net-iso1");
        assertThat(fleet.inspect("sh1", "{{.HostConfig.NetworkMode}}")).isEqualTo(fleet.name + "-net");
        assertThat(fleet.inspect("cut", "{{.HostConfig.NetworkMode}}")).isEqualTo("none");
        Sh.Result internal = Sh.run(
                "docker",
                "network",
                "inspect",
                "-f",
                "{{.Internal}} {{index .Labels \"dev.agentctl.instance\"}}",
                fleet.name + "-net-wall-internal");
        assertThat(internal.out().strip()).isEqualTo("true wall");
        Sh.Result subnet = Sh.run(
                "docker",
                "network",
                "inspect",
                "-f",
                "{{range .IPAM.Config}}{{.Subnet}}{{end}}",
                fleet.name + "-net-iso1");
        assertThat(subnet.out().strip()).matches("172\\.30\\.\\d+\\.\\d+/28");
    }

    @Test
    void aChangeOfModeMovesTheContainerAndRemovesTheNetworkItLeft() throws IOException {
        fleet.create("mover");
        fleet.expect(0, "up", "mover");
        String own = fleet.name + "-net-mover";
        assertThat(Sh.run("docker", "network", "inspect", own).code()).isZero();
        fleet.expect(0, "set", "mover", "--network", "fleet");
        assertThat(fleet.cli("status", "mover").out()).contains("agentctl up mover");
        fleet.expect(0, "up", "mover");
        assertThat(fleet.inspect("mover", "{{.HostConfig.NetworkMode}}")).isEqualTo(fleet.name + "-net");
        assertThat(Sh.run("docker", "network", "inspect", own).code()).isNotZero();
        assertThat(reach("mover", List.of("http://sh2:" + configuredPort("sh2") + "/health")))
                .containsValue("200");
        fleet.expect(0, "set", "mover", "--network", "internal");
        fleet.expect(0, "up", "mover");
        fleet.expect(0, "rm", "mover", "--yes", "--no-backup");
        assertThat(Sh.run("docker", "network", "inspect", own + "-internal").code())
                .isNotZero();
    }
}
