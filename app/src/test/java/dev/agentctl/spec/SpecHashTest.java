package dev.agentctl.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The spec hash: canonical JSON now, and exactly agentctl 0.1's value for containers it made. */
class SpecHashTest {
    /** The same container agentctl 0.1 would have made (its record toString() fed its hash). */
    static ContainerSpec spec(String fleetId, String configDigest) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GATEWAY_PORT", "18790");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("dev.agentctl.fleet", "lab");
        labels.put("dev.agentctl.instance", "alice");
        labels.put("dev.agentctl.runtime", "venv-X");
        Map<String, String> logOptions = new LinkedHashMap<>();
        logOptions.put("max-size", "10m");
        logOptions.put("max-file", "3");
        return new ContainerSpec(
                "lab",
                fleetId,
                "alice",
                "lab-alice",
                "lab-runtime:X",
                List.of("nanobot", "gateway", "--config", "/home/nanobot/.nanobot/config.json"),
                "1000:1000",
                env,
                "/f/instances/alice/.env",
                "0123456789abcdef",
                List.of(
                        new ContainerSpec.Mount("/f/runtime/venv-X", "/opt/venv", true),
                        new ContainerSpec.Mount("/f/instances/alice/config", "/home/nanobot/.nanobot", false),
                        new ContainerSpec.Mount("/f/instances/alice/workspace", "/home/nanobot/workspace", false)),
                List.of(new ContainerSpec.PortBinding("127.0.0.1", 18790, 18790)),
                1.0,
                1L << 30,
                256,
                true,
                List.of("ALL"),
                List.of("no-new-privileges:true"),
                Map.of("/tmp", "rw,nosuid,nodev,size=64m"),
                new ContainerSpec.Healthcheck(List.of("CMD", "/usr/local/bin/agent-health", "18790"), 5, 3, 3, 30),
                labels,
                "json-file",
                logOptions,
                "lab-net",
                "unless-stopped",
                true,
                "venv-X",
                "/f",
                configDigest,
                SpecHash.CURRENT);
    }

    @Test
    void theLegacySchemeGivesExactlyWhatAgentctl01Stored() {
        // computed by agentctl 0.1's own ContainerSpec (commit e48eef0) for this container
        ContainerSpec legacy = spec("f1e2d3c4b5a69788", "abc").withHashScheme(SpecHash.LEGACY);
        assertThat(legacy.hash()).isEqualTo("e41e2d518fb13d736859a5f5fe97a5f8ddf01732c364e3cbef4b6b4d1b703298");
        assertThat(SpecHash.settingDigests(legacy, SpecHash.LEGACY))
                .isEqualTo("image:42c8269e,command:ff7727ec,user:189e853c,environment:a0c53336,env_file:6b7afc22,"
                        + "mounts:bf249046,ports:68f3cf6d,cpus:d0ff5974,memory:02bfbb85,pids:51e8ea28,read_only:b5bea41b,"
                        + "cap_drop:2fac2b5d,security_opt:053f7785,tmpfs:f364b1f4,healthcheck:7fa7781a,logging:b4217ef0,"
                        + "network:7608f534,restart:b24d9799,init:b5bea41b");
    }

    @Test
    void theCurrentSchemeIsCanonicalJsonAndBlindToWhoseAndWhichConfig() {
        ContainerSpec a = spec("f1e2d3c4b5a69788", "abc");
        assertThat(a.hash()).isNotEqualTo(a.withHashScheme(SpecHash.LEGACY).hash());
        // identity and the config digest are labels, not settings: they never make a container drift
        assertThat(spec("0000000000000000", "other").hash()).isEqualTo(a.hash());
        assertThat(SpecHash.values(a, SpecHash.CURRENT).get("mounts")).startsWith("[{\"readOnly\":true,\"source\":");
        assertThat(SpecHash.values(a, SpecHash.CURRENT).get("environment")).isEqualTo("{\"GATEWAY_PORT\":\"18790\"}");
    }

    @Test
    void mapOrderDoesNotChangeTheHash() {
        ContainerSpec a = spec("id", "c");
        Map<String, String> reordered = new LinkedHashMap<>();
        reordered.put("dev.agentctl.runtime", "venv-X");
        reordered.put("dev.agentctl.instance", "alice");
        reordered.put("dev.agentctl.fleet", "lab");
        ContainerSpec b = new ContainerSpec(
                a.fleet(),
                a.fleetId(),
                a.instance(),
                a.containerName(),
                a.image(),
                a.command(),
                a.user(),
                a.environment(),
                a.envFile(),
                a.envFileDigest(),
                a.mounts(),
                a.ports(),
                a.cpus(),
                a.memoryBytes(),
                a.pids(),
                a.readOnlyRootfs(),
                a.capDrop(),
                a.securityOpt(),
                a.tmpfs(),
                a.healthcheck(),
                reordered,
                a.logDriver(),
                a.logOptions(),
                a.network(),
                a.restart(),
                a.init(),
                a.runtimeBuild(),
                a.workingDir(),
                a.configDigest(),
                a.hashScheme());
        assertThat(b.hash()).isEqualTo(a.hash());
    }

    @Test
    void theLabelsSayWhoseTheContainerIsButOnlyTheEngineLabelsCarryTheConfig() {
        ContainerSpec a = spec("f1e2d3c4b5a69788", "abc");
        assertThat(a.allLabels())
                .containsEntry(ContainerSpec.LABEL_FLEET_ID, "f1e2d3c4b5a69788")
                .doesNotContainKey(ContainerSpec.LABEL_CONFIG);
        assertThat(a.engineLabels())
                .containsEntry(ContainerSpec.LABEL_CONFIG, "abc")
                .containsEntry("com.docker.compose.project.working_dir", "/f")
                .containsEntry("com.docker.compose.service", "alice");
    }
}
