package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The secure defaults, as docker inspect shows them and as they hold inside a running instance. */
@Tag("engine")
class ContainerSecurityIT {
    static EngineFleet fleet;
    static int port;

    @BeforeAll
    static void oneInstanceUp() throws IOException {
        fleet = FleetRun.fleetWithRuntime("itsec", "a");
        fleet.expect(0, "up");
        port = FleetRun.port(fleet, "a");
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    /** agentctl exec a -- sh -c SCRIPT */
    static Cli.Result sh(String script) {
        return Cli.at(fleet.root, "exec", "a", "--", "sh", "-c", script);
    }

    @Test
    void dockerInspectShowsTheSecureDefaults() {
        JsonNode c = FleetRun.inspect(fleet, "a");
        JsonNode hc = c.path("HostConfig");
        assertThat(texts(hc.path("CapDrop"))).containsExactly("ALL");
        assertThat(hc.path("CapAdd").isNull() || hc.path("CapAdd").isEmpty())
                .as("CapAdd " + hc.path("CapAdd"))
                .isTrue();
        assertThat(texts(hc.path("SecurityOpt"))).containsExactly("no-new-privileges:true");
        assertThat(hc.path("Privileged").asBoolean()).isFalse();
        assertThat(hc.path("ReadonlyRootfs").asBoolean()).isTrue();
        assertThat(hc.path("Tmpfs").path("/tmp").asText())
                .contains("rw")
                .contains("nosuid")
                .contains("nodev");
        assertThat(c.path("Config").path("User").asText()).isEqualTo("1000:1000");
        assertThat(hc.path("Init").asBoolean()).isTrue();

        assertThat(hc.path("Memory").asLong()).isEqualTo(256L << 20);
        assertThat(hc.path("NanoCpus").asLong()).isEqualTo(500_000_000L);
        assertThat(hc.path("PidsLimit").asLong()).isPositive();

        assertThat(hc.path("LogConfig").path("Type").asText()).isEqualTo("json-file");
        assertThat(hc.path("LogConfig").path("Config").path("max-size").asText())
                .isEqualTo("10m");
        assertThat(hc.path("LogConfig").path("Config").path("max-file").asText())
                .isEqualTo("3");
        assertThat(hc.path("RestartPolicy").path("Name").asText()).isEqualTo("unless-stopped");

        JsonNode bindings = hc.path("PortBindings");
        assertThat(bindings.size()).isEqualTo(1);
        JsonNode binding = bindings.path(port + "/tcp").get(0);
        assertThat(binding.path("HostIp").asText()).isEqualTo("127.0.0.1");
        assertThat(binding.path("HostPort").asText()).isEqualTo(Integer.toString(port));
        // and what the engine actually published
        JsonNode published = c.path("NetworkSettings").path("Ports").path(port + "/tcp");
        assertThat(published.size()).isEqualTo(1);
        assertThat(published.get(0).path("HostIp").asText()).isEqualTo("127.0.0.1");

        assertThat(hc.path("NetworkMode").asText()).isEqualTo(fleet.name + "-net-a"); // isolated: a bridge of its own

        // the runtime read-only, only the instance's own config and workspace writable
        List<String> mounts = new ArrayList<>();
        for (JsonNode m : c.path("Mounts")) {
            mounts.add(m.path("Destination").asText()
                    + (m.path("RW").asBoolean() ? " rw " : " ro ")
                    + m.path("Source").asText());
        }
        String inst = fleet.root.resolve("instances/a").toString();
        assertThat(mounts)
                .containsExactlyInAnyOrder(
                        "/opt/venv ro " + fleet.root.resolve("runtime").resolve(FleetRun.currentBuild(fleet)),
                        "/home/nanobot/.nanobot rw " + inst + "/config",
                        "/home/nanobot/workspace rw " + inst + "/workspace");
    }

    @Test
    void insideTheContainerItRunsAsUid1000WithoutCapabilitiesOnAReadOnlyRoot() {
        Cli.Result id = sh("id -u; id -g");
        assertThat(id.code()).as(id.toString()).isZero();
        assertThat(id.out().lines().toList()).containsExactly("1000", "1000");

        Cli.Result agentUid = sh("set -- $(cat /proc/1/task/1/children); awk '/^Uid:/ {print $2}' /proc/$1/status");
        assertThat(agentUid.out().strip())
                .as("uid of the agent process " + agentUid)
                .isEqualTo("1000");

        Cli.Result venv = sh("touch /opt/venv/x");
        assertThat(venv.code()).as("writing the runtime mount\n" + venv).isNotZero();
        assertThat(venv.err()).contains("Read-only file system");
        Cli.Result venvBin = sh("echo x >> /opt/venv/bin/nanobot");
        assertThat(venvBin.code()).as("changing the agent\n" + venvBin).isNotZero();

        Cli.Result root = sh("touch /x");
        assertThat(root.code()).as("writing the root filesystem\n" + root).isNotZero();
        assertThat(root.err()).contains("Read-only file system");
        assertThat(sh("touch /home/nanobot/x").code())
                .as("writing the home folder (image layer)")
                .isNotZero();
        assertThat(sh("touch /etc/x").code()).isNotZero();

        Cli.Result tmp = sh("echo hello > /tmp/x && cat /tmp/x && rm /tmp/x");
        assertThat(tmp.code()).as("/tmp is writable\n" + tmp).isZero();
        assertThat(tmp.out().strip()).isEqualTo("hello");
        assertThat(sh("touch /home/nanobot/workspace/.probe && rm /home/nanobot/workspace/.probe")
                        .code())
                .as("its own workspace is writable")
                .isZero();
        assertThat(sh("touch /home/nanobot/.nanobot/.probe && rm /home/nanobot/.nanobot/.probe")
                        .code())
                .as("its own config folder is writable")
                .isZero();

        Cli.Result caps = sh("grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status; grep '^NoNewPrivs:' /proc/self/status");
        assertThat(caps.code()).as(caps.toString()).isZero();
        assertThat(caps.out())
                .contains("CapEff:\t0000000000000000")
                .contains("CapPrm:\t0000000000000000")
                .contains("CapBnd:\t0000000000000000")
                .contains("NoNewPrivs:\t1");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
