package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.engine.FakeEngine;
import dev.agentctl.engine.NetworkSpec;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import dev.agentctl.support.TreeSnapshot;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Network modes above the engine: which network each container joins, what is published, which networks are made
 * and removed, and what status, show and bad input say. What an instance can reach is proved on a real engine.
 */
class NetworkModesTest extends FakeFleet {
    @BeforeEach
    void fleetOfFour() {
        engine.healthyAfter = Duration.ZERO;
        engine.startLog = List.of("✓ Channels enabled: websocket, mattermost", "✓ Health endpoint: http://x/health");
        ok("create", "iso", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "shared", "--network", "fleet", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "walled", "--network", "internal", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "cut", "--network", "none", "--env", "OPENAI_API_KEY=sk-a");
    }

    @Test
    void eachModeJoinsItsNetworkAndPublishesOnlyWhereItHasAWayIn() throws Exception {
        ok("up");
        String net = fleetName + "-net";
        assertThat(box("iso").network).isEqualTo(net + "-iso");
        assertThat(box("shared").network).isEqualTo(net);
        assertThat(box("walled").network).isEqualTo(net + "-walled-internal");
        assertThat(box("cut").network).isEqualTo("none");
        assertThat(box("iso").ports).hasSize(1);
        assertThat(box("shared").ports).hasSize(1);
        assertThat(box("walled").ports).isEmpty();
        assertThat(box("cut").ports).isEmpty();

        Map<String, NetworkSpec> made = engine.madeNetworks();
        assertThat(made).containsOnlyKeys(net, net + "-iso", net + "-walled-internal");
        NetworkSpec own = made.get(net + "-iso");
        assertThat(own.internal()).isFalse();
        assertThat(own.pool()).isEqualTo("172.30.0.0/16");
        assertThat(own.labels())
                .containsEntry(ContainerSpec.LABEL_INSTANCE, "iso")
                .containsEntry(ContainerSpec.LABEL_FLEET_ID, fleet().id())
                .containsEntry("com.docker.compose.network", "iso-net");
        assertThat(made.get(net + "-walled-internal").internal()).isTrue();
        assertThat(made.get(net).pool()).isNull();
        assertThat(made.get(net).labels()).doesNotContainKey(ContainerSpec.LABEL_INSTANCE);

        Cli.Result status = ok("status");
        assertThat(status.out()).containsPattern("iso +\\d+ +isolated +running");
        assertThat(status.out()).containsPattern("walled +- +internal +running");
        assertThat(status.out()).containsPattern("cut +- +none +running");
        assertThat(ok("show", "walled").out()).containsPattern("network: +internal");
        assertThat(ok("show", "iso", "--json").out()).contains("\"network\" : \"isolated\"");
        assertThat(Files.readString(fleet().load("walled").dir().resolve("INSTANCE_INFO.txt")))
                .contains("not published: network internal");
    }

    @Test
    void aChangedModeIsPendingUntilUpAndItsOldNetworkGoesThenAsDoesARemovedInstancesOwn() throws Exception {
        ok("up");
        String net = fleetName + "-net";
        ok("set", "iso", "--network", "internal");
        assertThat(run("status", "iso").out()).containsPattern("iso .*network.*agentctl up iso");
        ok("up", "iso");
        assertThat(box("iso").network).isEqualTo(net + "-iso-internal");
        assertThat(engine.madeNetworks()).doesNotContainKey(net + "-iso").containsKey(net + "-iso-internal");

        ok("rm", "walled", "--yes", "--no-backup");
        assertThat(engine.madeNetworks()).doesNotContainKey(net + "-walled-internal");
        assertThat(engine.madeNetworks()).containsKeys(net, net + "-iso-internal");
    }

    @Test
    void badModesAndRangesAreRefusedWithOneLineAndChangeNothing() throws Exception {
        ok("up");
        var before = TreeSnapshot.of(root);
        int calls = engine.calls.size();
        for (List<String> args : List.of(
                List.of("create", "x", "--network", "bridge"),
                List.of("create", "y", "--network", ""),
                List.of("set", "iso", "--network", "host"),
                List.of("set", "iso", "--network", "ISOLATED"))) {
            Cli.Result r = run(args.get(0), args.subList(1, args.size()).toArray(String[]::new));
            assertThat(r.code()).as(args + "\n" + r).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).contains("network must be fleet, isolated, internal or none");
        }
        assertThat(TreeSnapshot.diff(before, TreeSnapshot.of(root))).isEmpty();

        String yaml = Files.readString(root.resolve("fleet.yaml"));
        for (List<String> c : List.of(
                List.of("  network: isolated", "  network: host", "network must be"),
                List.of("subnets: 172.30.0.0/16", "subnets: 10.0.0.0/29", "subnets must be"),
                List.of("subnets: 172.30.0.0/16", "subnets: 10.0.0.1/16", "subnets must be"))) {
            assertThat(yaml).contains(c.get(0));
            Files.writeString(root.resolve("fleet.yaml"), yaml.replace(c.get(0), c.get(1)));
            Cli.Result r = run("up");
            assertThat(r.code()).as(c + "\n" + r).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.toString()).isEqualTo(1);
            assertThat(r.err())
                    .contains("fleet.yaml:")
                    .contains(c.get(2))
                    .contains(c.get(1).split(": ")[1]);
        }
        Files.writeString(
                root.resolve("instances/iso/instance.yaml"),
                Files.readString(root.resolve("instances/iso/instance.yaml")) + "network: wide\n");
        Files.writeString(root.resolve("fleet.yaml"), yaml);
        Cli.Result r = run("up", "iso");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("instance.yaml:").contains("'wide'");
        assertThat(engine.calls.subList(calls, engine.calls.size()))
                .noneMatch(c -> c.startsWith("create") || c.startsWith("network") || c.startsWith("rm"));
    }

    private FakeEngine.Box box(String instance) {
        return engine.byName(container(instance)).orElseThrow();
    }
}
