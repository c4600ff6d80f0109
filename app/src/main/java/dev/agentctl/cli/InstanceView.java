package dev.agentctl.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.agentctl.fleet.EnvFile;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Providers;
import java.util.Map;

/** The stable JSON of an instance ({@code list --json}, {@code show --json}): settings, never a secret's value. */
record InstanceView(
        String name,
        String container,
        int port,
        String bind,
        String network,
        String storage,
        String model,
        String provider,
        String soul,
        String created,
        double cpus,
        String memory,
        int pids,
        Security security,
        Map<String, String> env,
        boolean apiKeySet,
        String path) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Security(boolean readOnlyRootfs, boolean dropCapabilities, boolean noNewPrivileges, String relaxedBecause) {}

    static InstanceView of(Fleet fleet, Instance i) {
        FleetConfig cfg = fleet.config();
        FleetConfig.Security s = i.effectiveSecurity(cfg);
        String key = Providers.keyVariable(i.provider());
        return new InstanceView(
                i.name(),
                fleet.containerName(i.name()),
                i.port(),
                i.effectiveBind(cfg),
                i.effectiveNetwork(cfg).word(),
                i.effectiveStorage(cfg).word(),
                i.model(),
                i.provider(),
                i.soul(),
                i.created(),
                i.effectiveCpus(cfg),
                i.effectiveMemory(cfg),
                i.effectivePids(cfg),
                new Security(
                        s.readOnlyRootfs(), s.dropCapabilities(), s.noNewPrivileges(), s.relaxed() ? s.reason() : null),
                EnvFile.masked(i.env()),
                !Providers.needsKey(i.provider())
                        || !i.env().getOrDefault(key, "").isEmpty(),
                i.dir().toString());
    }
}
